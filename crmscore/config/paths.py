"""Where the shipped config and its schema live (in the repository, next to the packages)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["DEFAULT_CONFIG_PATH", "SCHEMA_PATH"]

_REPO = Path(__file__).resolve().parents[2]

DEFAULT_CONFIG_PATH: Path = _REPO / "configs" / "default.yaml"
SCHEMA_PATH: Path = _REPO / "form_schemas" / "scoring-config.schema.json"
