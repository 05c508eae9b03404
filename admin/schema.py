"""The form schema as json-editor reads it, and config issue paths as json-editor names fields.

``form_schemas/scoring-config.schema.json`` stays the single source for the forms. json-editor 2.x
resolves ``#/definitions/…`` but not Draft 2020-12's ``#/$defs/…``, so the schema is re-keyed on the
way out rather than keeping a second copy that could drift.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["FORM_SCHEMA_PATH", "editor_path", "form_schema"]

FORM_SCHEMA_PATH = Path(__file__).resolve().parents[1] / "form_schemas" / "scoring-config.schema.json"

_STEP = re.compile(r"""\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\[(?:'([^']*)'|"([^"]*)")\]""")


_CONDITIONAL = ("if", "then", "else")


def _rekey(node: Any) -> Any:
    """Rename ``$defs``, and drop ``if``/``then``/``else``: json-editor merges ``allOf`` members
    unconditionally, so a "formula needs an expression" rule would be demanded of every indicator.
    The server still checks them (with the CLI's messages), which is what the form shows."""
    if isinstance(node, dict):
        out = {("definitions" if k == "$defs" else k): _rekey(v) for k, v in node.items() if k not in _CONDITIONAL}
        if "allOf" in out:
            out["allOf"] = [m for m in out["allOf"] if m]
            if not out["allOf"]:
                del out["allOf"]
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            out["$ref"] = "#/definitions/" + ref[len("#/$defs/") :]
        return out
    if isinstance(node, list):
        return [_rekey(v) for v in node]
    return node


@lru_cache(maxsize=1)
def _cached(path: str, mtime: float) -> str:
    schema = json.loads(Path(path).read_text(encoding="utf-8"))
    schema.pop("$schema", None)  # json-editor would try to fetch the meta-schema
    return json.dumps(_rekey(schema))


def form_schema(path: Path = FORM_SCHEMA_PATH) -> dict[str, Any]:
    """The scoring-config schema with ``$defs`` renamed to ``definitions`` (a fresh copy each call)."""
    loaded: dict[str, Any] = json.loads(_cached(str(path), path.stat().st_mtime))
    return loaded


def editor_path(json_path: str) -> str:
    """``$.indicators[2].weight`` → ``root.indicators.2.weight``; unparseable tails stop the walk,
    so a message still lands on the nearest field that can be named."""
    if not json_path.startswith("$"):
        return "root"
    parts = ["root"]
    pos = 1
    while pos < len(json_path):
        m = _STEP.match(json_path, pos)
        if m is None:
            break
        parts.append(next(g for g in m.groups() if g is not None))
        pos = m.end()
    return ".".join(parts)
