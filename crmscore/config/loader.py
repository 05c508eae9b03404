"""Loading a config: read → parse (YAML/JSON) → JSON Schema → semantic rules → formulas → typed config.

Every layer reports through the same :class:`ConfigIssue` (file:line:col, JSON path, message) and
all issues are collected before failing, so an admin fixes a file in one pass rather than one error
per run. A later layer does not repeat a problem at a path an earlier layer already reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from crmscore.config.formulas import formula_compile_findings
from crmscore.config.issues import ConfigError, ConfigIssue
from crmscore.config.schema import Finding, schema_findings
from crmscore.config.semantic import semantic_findings
from crmscore.config.source import YamlSyntaxError, locate, parse_text
from scoring.config import ScoringConfig

__all__ = ["check_text", "config_from_dict", "json_path", "load_config", "parse_config", "validate_config", "validate_text"]


def json_path(path: tuple[str | int, ...]) -> str:
    """``$.indicators[2].weight`` (keys that are not identifiers are quoted: ``$['a b']``)."""
    out = "$"
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.isidentifier():
            out += f".{part}"
        else:
            out += "[" + repr(part) + "]"
    return out


def _findings(data: Any) -> list[Finding]:
    if data is None:
        return [Finding((), "the config is empty; it needs at least 'version' and 'indicators'")]
    found = schema_findings(data)
    for layer in (semantic_findings, formula_compile_findings):
        reported = {f.path for f in found}
        found += [f for f in layer(data) if f.path not in reported]
    return found


def _inside(text_lines: list[str], line: int, col: int, offset: int) -> tuple[int, int]:
    """The position of character ``offset`` of the scalar whose value starts at (line, col).

    Plain and quoted one-line scalars map exactly; for a block scalar (``|``/``>``) the text starts
    on the next line at its indentation. Anything else keeps the value's own position.
    """
    if not 1 <= line <= len(text_lines):
        return line, col
    row = text_lines[line - 1]
    start = row[col - 1] if 0 < col <= len(row) else ""
    if start in "|>" and start and line < len(text_lines):
        body = text_lines[line]
        indent = len(body) - len(body.lstrip())
        return (line + 1, indent + offset + 1) if indent + offset < len(body) else (line, col)
    shift = 1 if start in ("'", '"') and start else 0
    target = col + shift + offset
    return (line, target) if target <= len(row) else (line, col)


def validate_text(text: str, filename: str) -> list[ConfigIssue]:
    """Every problem in config ``text`` (read from ``filename``), sorted by position; [] if valid."""
    issues, _ = check_text(text, filename)
    return issues


def check_text(text: str, filename: str) -> tuple[list[ConfigIssue], Any]:
    """Every issue in ``text`` (sorted) and the parsed document (None when the YAML is broken)."""
    try:
        parsed = parse_text(text)
    except YamlSyntaxError as exc:
        return [ConfigIssue(filename, exc.line, exc.col, "$", exc.message)], None
    issues = []
    lines = text.splitlines()
    for f in _findings(parsed.data):
        line, col = locate(parsed.node, f.path, at_key=f.at_key)
        if f.offset is not None:
            line, col = _inside(lines, line, col, f.offset)
        issues.append(ConfigIssue(filename, line, col, json_path(f.path), f.message))
    return sorted(issues), parsed.data


def _read(path: Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError([ConfigIssue(str(path), 1, 1, "$", f"cannot read the config file: {reason}")]) from None


def validate_config(path: Path | str) -> list[ConfigIssue]:
    """Every problem in the config file at ``path``, sorted by position; [] if it is valid."""
    try:
        text = _read(Path(path))
    except ConfigError as exc:
        return exc.issues
    return validate_text(text, str(path))


def parse_config(text: str, filename: str) -> ScoringConfig:
    """The typed config from ``text``; raises :class:`ConfigError` listing every problem."""
    issues, data = check_text(text, filename)
    if issues:
        raise ConfigError(issues)
    return ScoringConfig.from_dict(data)


def load_config(path: Path | str) -> ScoringConfig:
    """The typed config from the file at ``path``; raises :class:`ConfigError` listing every problem."""
    return parse_config(_read(Path(path)), str(path))


def config_from_dict(body: Mapping[str, Any], source: str = "<stored config>") -> ScoringConfig:
    """The typed config from an already-parsed document (e.g. a stored config version).

    The same checks run; issues carry line and column 0 because a dict has no file positions.
    """
    data = dict(body) if isinstance(body, Mapping) else body
    issues = sorted(ConfigIssue(source, 0, 0, json_path(f.path), f.message) for f in _findings(data))
    if issues:
        raise ConfigError(issues)
    return ScoringConfig.from_dict(data)
