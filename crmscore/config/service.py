"""The config service: what the CLI and the GraphQL mutations call, with the same results.

Every function takes an Engine (and plain data), never raises for something the admin can fix, and
returns a dataclass whose ``issues`` are :class:`ConfigIssue`s — the same ``file:line:col  $.path
message`` the CLI prints. A config with any issue is never stored, so a rejected config can never
replace the active one. Writes happen in one transaction each.

API (GraphQL name → function):

* ``validateConfig`` → :func:`validate_config_text`
* ``saveConfig`` → :func:`save_config` (optionally activating the new version)
* ``activateConfig`` → :func:`activate_config`; rolling back → :func:`rollback_config`
* ``previewConfig`` → :func:`preview_config` (reads only; see ``crmscore.preview``)
* ``configVersions`` → :func:`config_versions`; ``activeConfig`` → :func:`active_config`
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from crmscore.config.issues import ConfigIssue
from crmscore.config.loader import check_text
from crmscore.config_versions import (
    ConfigVersion,
    activate,
    active_version,
    canonical_yaml,
    checksum,
    diff_bodies,
    find_version,
    get_version,
    list_versions,
    previous_version,
    rollback_target,
    save_version,
)
from scoring.config import ScoringConfig

if TYPE_CHECKING:
    from crmscore.preview import Preview

__all__ = [
    "ActivateOutcome",
    "DiffOutcome",
    "PreviewOutcome",
    "SaveOutcome",
    "ValidationOutcome",
    "VersionInfo",
    "activate_config",
    "active_config",
    "config_versions",
    "diff_config_versions",
    "preview_config",
    "rollback_config",
    "save_config",
    "validate_config_text",
]

STORE = "<store>"  # the "file" of issues about versions rather than about config text


@dataclass(frozen=True)
class VersionInfo:
    """One stored config version, with its diff against the version saved before it."""

    id: int
    name: str
    checksum: str
    author: str | None
    comment: str | None
    created_at: datetime
    active: bool
    body: dict[str, Any]
    previous_id: int | None = None
    diff: str = ""

    @property
    def yaml(self) -> str:
        return canonical_yaml(self.body)


@dataclass(frozen=True)
class ValidationOutcome:
    """``contributions``: scorecard key → indicator key → nominal % of the health score."""

    ok: bool
    issues: list[ConfigIssue]
    contributions: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class SaveOutcome:
    """``created`` is False when exactly this content was already stored (that version is returned).
    ``diff`` is against the version that was active before (or the newest, if none was)."""

    ok: bool
    issues: list[ConfigIssue]
    version: VersionInfo | None = None
    created: bool = False
    activated: bool = False
    diff: str = ""


@dataclass(frozen=True)
class ActivateOutcome:
    ok: bool
    issues: list[ConfigIssue]
    version: VersionInfo | None = None
    previous: VersionInfo | None = None  # the version that was active before


@dataclass(frozen=True)
class DiffOutcome:
    ok: bool
    issues: list[ConfigIssue]
    diff: str = ""


@dataclass(frozen=True)
class PreviewOutcome:
    ok: bool
    issues: list[ConfigIssue]
    preview: Preview | None = None


def _info(v: ConfigVersion, previous: ConfigVersion | None = None) -> VersionInfo:
    diff = diff_bodies(previous.body if previous else None, v.body, _label(previous), _label(v)) if previous else ""
    return VersionInfo(
        id=v.id,
        name=v.name,
        checksum=v.checksum,
        author=v.author,
        comment=v.comment,
        created_at=v.created_at,
        active=v.active,
        body=v.body,
        previous_id=previous.id if previous else None,
        diff=diff,
    )


def _label(v: ConfigVersion | None) -> str:
    return "(none)" if v is None else f"version {v.id}"


def _store_issue(message: str) -> ConfigIssue:
    return ConfigIssue(STORE, 0, 0, "$", message)


def _parse(text: str, filename: str) -> tuple[list[ConfigIssue], ScoringConfig | None]:
    issues, data = check_text(text, filename)
    return (issues, None) if issues else ([], ScoringConfig.from_dict(data))


def validate_config_text(text: str, filename: str = "<input>") -> ValidationOutcome:
    """Check config text; on success also report each scorecard's % contributions."""
    issues, config = _parse(text, filename)
    if config is None:
        return ValidationOutcome(ok=False, issues=issues)
    return ValidationOutcome(ok=True, issues=[], contributions={c.key: c.contributions() for c in config.cards})


def save_config(
    engine: Engine,
    text: str,
    *,
    filename: str = "<input>",
    author: str | None = None,
    comment: str | None = None,
    activate_now: bool = False,
) -> SaveOutcome:
    """Validate and store ``text`` as a new immutable version; nothing is written if it has issues."""
    issues, config = _parse(text, filename)
    if config is None:
        return SaveOutcome(ok=False, issues=issues)
    with engine.begin() as conn:
        before = active_version(conn) or next(iter(list_versions(conn, 1)), None)
        created = find_version(conn, checksum(config.raw)) is None
        version = save_version(conn, config.raw, name=(config.name or filename)[:128], author=author, comment=comment)
        if activate_now:
            activate(conn, version.id)
            version = get_version(conn, version.id)
        previous = previous_version(conn, version.id)
    diff = diff_bodies(before.body if before else None, version.body, _label(before), _label(version))
    return SaveOutcome(
        ok=True, issues=[], version=_info(version, previous), created=created, activated=activate_now, diff=diff
    )


def activate_config(engine: Engine, version_id: int) -> ActivateOutcome:
    """Make a stored version the active one (stored versions were valid when saved)."""
    with engine.begin() as conn:
        before = active_version(conn)
        try:
            get_version(conn, version_id)
        except LookupError:
            return ActivateOutcome(ok=False, issues=[_store_issue(f"there is no config version {version_id}")])
        version = activate(conn, version_id)
        version = get_version(conn, version.id)
        previous = previous_version(conn, version.id)
    return ActivateOutcome(
        ok=True, issues=[], version=_info(version, previous), previous=_info(before) if before else None
    )


def rollback_config(engine: Engine, to_version_id: int | None = None) -> ActivateOutcome:
    """Activate ``to_version_id``, or by default the config in force before the active one."""
    if to_version_id is not None:
        return activate_config(engine, to_version_id)
    with engine.connect() as conn:
        target = rollback_target(conn)
    if target is None:
        return ActivateOutcome(ok=False, issues=[_store_issue("nothing to roll back to: no earlier config version")])
    return activate_config(engine, target.id)


def config_versions(engine: Engine, limit: int = 50) -> list[VersionInfo]:
    """The newest versions, newest first, each with its diff against the one before."""
    with engine.connect() as conn:
        versions = list_versions(conn, limit + 1)
        older = previous_version(conn, versions[-1].id) if len(versions) <= limit and versions else None
    pairs = list(zip(versions, [*versions[1:], older], strict=True))[:limit]
    return [_info(v, prev) for v, prev in pairs]


def active_config(engine: Engine) -> VersionInfo | None:
    with engine.connect() as conn:
        current = active_version(conn)
        previous = previous_version(conn, current.id) if current else None
    return None if current is None else _info(current, previous)


def diff_config_versions(engine: Engine, old_id: int, new_id: int) -> DiffOutcome:
    """Unified diff of the canonical YAML of two stored versions."""
    with engine.connect() as conn:
        found: dict[int, ConfigVersion] = {}
        missing = []
        for vid in (old_id, new_id):
            try:
                found[vid] = get_version(conn, vid)
            except LookupError:
                missing.append(_store_issue(f"there is no config version {vid}"))
    if missing:
        return DiffOutcome(ok=False, issues=missing)
    return DiffOutcome(
        ok=True, issues=[], diff=diff_bodies(found[old_id].body, found[new_id].body, _label(found[old_id]), _label(found[new_id]))
    )


def preview_config(
    engine: Engine, text: str, *, filename: str = "<input>", as_of: datetime | None = None, top: int = 20
) -> PreviewOutcome:
    """What ``text`` would do on the store's current data, next to the active config; writes nothing."""
    from crmscore.preview import preview

    issues, config = _parse(text, filename)
    if config is None:
        return PreviewOutcome(ok=False, issues=issues)
    return PreviewOutcome(ok=True, issues=[], preview=preview(engine, config, as_of=as_of, top=top))
