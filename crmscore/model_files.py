"""Where saved churn models live and how they are read back: one folder, one resolution rule.

Training (``crmscore model train``), reporting and every scoring run — from the CLI, an API job or
the admin page — must agree on the folder, or a model trained in one place would silently not be
applied in another. So the folder is resolved here only: an explicit path, else the
``CRMSCORE_MODELS_DIR`` environment variable, else ``models`` (relative to the working directory).

This module imports nothing of the pipeline, so the pipeline can use it without an import cycle.
Pickles run code when loaded — only load models this tool wrote.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import joblib

from scoring.churn import ChurnModel

__all__ = [
    "DEFAULT_MODELS_DIR",
    "MODELS_DIR_ENV",
    "latest_model",
    "latest_model_path",
    "load_model",
    "model_versions",
    "models_dir",
]

MODELS_DIR_ENV = "CRMSCORE_MODELS_DIR"
DEFAULT_MODELS_DIR = Path("models")
MODEL_FILE = re.compile(r"^churn-v(\d+)\.joblib$")


def models_dir(given: Path | str | None = None) -> Path:
    """The models folder: ``given``, else ``$CRMSCORE_MODELS_DIR``, else ``models``."""
    if given is not None:
        return Path(given)
    from_env = os.environ.get(MODELS_DIR_ENV)
    return Path(from_env) if from_env else DEFAULT_MODELS_DIR


def model_versions(folder: Path) -> dict[int, Path]:
    """Version number -> model file, for every ``churn-v<N>.joblib`` in ``folder``."""
    if not folder.is_dir():
        return {}
    return {int(m.group(1)): p for p in folder.iterdir() if (m := MODEL_FILE.match(p.name))}


def latest_model_path(folder: Path) -> Path:
    versions = model_versions(folder)
    if not versions:
        raise ValueError(f"{folder}: no churn model saved here yet (run `crmscore model train`)")
    return versions[max(versions)]


def load_model(path: Path) -> tuple[ChurnModel, dict[str, Any]]:
    """A saved model and its metadata (only load files this tool wrote: pickles can run code)."""
    if not path.is_file():
        raise ValueError(f"{path}: no such model file")
    try:
        saved = joblib.load(path)
    except Exception as exc:  # noqa: BLE001  a truncated or foreign file fails in many ways; all mean "not ours"
        raise ValueError(f"{path}: cannot be read as a churn model ({type(exc).__name__}: {exc})") from None
    if not isinstance(saved, dict) or not isinstance(saved.get("model"), ChurnModel):
        raise ValueError(f"{path}: not a crmscore churn model")  # noqa: TRY004 - a bad file is a user error
    return saved["model"], saved["metadata"]


def latest_model(folder: Path) -> tuple[ChurnModel, dict[str, Any]] | None:
    """The newest model in ``folder`` and its metadata; None when the folder holds none."""
    versions = model_versions(folder)
    return None if not versions else load_model(versions[max(versions)])
