"""The public surface of crmscore.config is exactly what __all__ lists."""

from __future__ import annotations

from crmscore import config


def test_all_lists_every_public_name_and_each_exists():
    assert sorted(config.__all__) == sorted(
        [
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
    )
    assert all(hasattr(config, name) for name in config.__all__)
