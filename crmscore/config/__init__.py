"""Scoring configs: loading YAML/JSON files, checking them, and building the typed config.

A config is checked in layers — YAML syntax, the JSON Schema in
``form_schemas/scoring-config.schema.json``, then semantic rules — and every problem is reported as
``file:line:col  $.json.path  message``. See docs/configuring.md.
"""

from crmscore.config.issues import ConfigError, ConfigIssue
from crmscore.config.loader import (
    config_from_dict,
    load_config,
    parse_config,
    validate_config,
    validate_text,
)
from crmscore.config.paths import DEFAULT_CONFIG_PATH, SCHEMA_PATH
from crmscore.config.schema import load_schema

__all__ = [
    "DEFAULT_CONFIG_PATH",
    "SCHEMA_PATH",
    "ConfigError",
    "ConfigIssue",
    "config_from_dict",
    "load_config",
    "load_schema",
    "parse_config",
    "validate_config",
    "validate_text",
]
