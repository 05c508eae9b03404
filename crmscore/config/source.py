"""Reading config text (YAML, or JSON — a subset of YAML) while keeping line/column positions.

ruamel.yaml's round-trip loader records where every key, value and list item sits; the checker
needs that to point admins at the exact line. Validation runs on a plain copy (dicts, lists, str,
int, float, bool, None) so JSON Schema and the typed config never see ruamel's wrapper types.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

__all__ = ["Parsed", "YamlSyntaxError", "locate", "parse_text", "plain"]


@dataclass(frozen=True)
class YamlSyntaxError(Exception):
    """The text is not valid YAML; ``line``/``col`` are 1-based."""

    line: int
    col: int
    message: str


@dataclass(frozen=True)
class Parsed:
    node: Any  # the round-trip tree, for positions
    data: Any  # the plain copy, for validation


def plain(node: Any) -> Any:
    """A plain-Python copy of a round-trip tree (mapping keys become strings)."""
    if isinstance(node, dict):
        return {k if isinstance(k, str) else str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node  # e.g. dates: left as they are so the schema reports them as the wrong type


def parse_text(text: str) -> Parsed:
    """Parse YAML/JSON text; raise :class:`YamlSyntaxError` with the position of the problem."""
    yaml = YAML(typ="rt")
    try:
        node = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        words = [w for w in (exc.problem, exc.context) if w]
        if exc.context and exc.context_mark is not None and exc.context_mark is not mark:
            words[-1] += f" started at {exc.context_mark.line + 1}:{exc.context_mark.column + 1}"
        raise YamlSyntaxError(line, col, "YAML syntax error: " + "; ".join(words)) from None
    except YAMLError as exc:  # pragma: no cover - ruamel marks nearly everything
        raise YamlSyntaxError(1, 1, f"YAML syntax error: {exc}") from None
    return Parsed(node=node, data=plain(node))


def _find_key(mapping: CommentedMap, part: str) -> Any:
    for key in mapping:
        if key == part or (not isinstance(key, str) and str(key) == part):
            return key
    raise KeyError(part)


def locate(root: Any, path: Sequence[str | int], *, at_key: bool = False) -> tuple[int, int]:
    """1-based (line, col) of the node at ``path``, or of its deepest existing ancestor.

    With ``at_key`` the position of the last mapping key itself is returned (for "unknown key" or
    "missing key" messages, which are about the key, not its value).
    """
    line, col = (root.lc.line, root.lc.col) if hasattr(root, "lc") else (0, 0)
    node = root
    for depth, part in enumerate(path):
        last = depth == len(path) - 1
        if isinstance(node, CommentedMap):
            try:
                key = _find_key(node, str(part))
            except KeyError:
                break
            line, col = node.lc.key(key) if (last and at_key) else node.lc.value(key)
            node = node[key]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line, col = node.lc.item(part)
            node = node[part]
        else:
            break
    return line + 1, col + 1
