"""Config versions in the store: immutable rows, one of them active.

Saving the same config twice returns the existing version (same checksum), so re-running
``crmscore score`` with an unchanged file does not pile up versions. Activation is one
transaction, so there is never a moment with no active config or with two. Nothing here updates a
version's content: there is no such function, and a change is always a new version.

Versions are compared as *canonical YAML* (the stored document dumped with a fixed style), so a
diff shows what changed in the configuration, not in the admin's whitespace or comments.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ruamel.yaml import YAML
from sqlalchemy import Connection, insert, select, update

from store import tables as t

__all__ = [
    "ConfigVersion",
    "activate",
    "active_version",
    "canonical_yaml",
    "checksum",
    "diff_bodies",
    "find_version",
    "get_version",
    "list_versions",
    "previous_version",
    "rollback_target",
    "save_version",
]


@dataclass(frozen=True)
class ConfigVersion:
    id: int
    name: str
    body: dict[str, Any]
    checksum: str
    author: str | None
    comment: str | None
    created_at: datetime
    active: bool


def checksum(body: dict[str, Any]) -> str:
    """A stable digest of a config's content (key order and whitespace do not matter)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _row(row: Any) -> ConfigVersion:
    return ConfigVersion(
        id=row.id,
        name=row.name,
        body=row.body,
        checksum=row.checksum,
        author=row.author,
        comment=row.comment,
        created_at=row.created_at,
        active=bool(row.active),
    )


def find_version(conn: Connection, digest: str) -> ConfigVersion | None:
    """The stored version whose content has this checksum, if any."""
    row = conn.execute(
        select(t.config_versions).where(t.config_versions.c.checksum == digest).order_by(t.config_versions.c.id)
    ).first()
    return None if row is None else _row(row)


def save_version(
    conn: Connection,
    body: dict[str, Any],
    *,
    name: str,
    author: str | None = None,
    comment: str | None = None,
) -> ConfigVersion:
    """Store ``body`` as a new version, or return the version that already holds exactly it."""
    digest = checksum(body)
    existing = find_version(conn, digest)
    if existing is not None:
        return existing
    new_id = conn.execute(
        insert(t.config_versions)
        .values(
            name=name,
            body=body,
            checksum=digest,
            author=author,
            comment=comment,
            created_at=datetime.now(UTC),
            active=False,
        )
        .returning(t.config_versions.c.id)
    ).scalar_one()
    return get_version(conn, new_id)


def get_version(conn: Connection, version_id: int) -> ConfigVersion:
    row = conn.execute(select(t.config_versions).where(t.config_versions.c.id == version_id)).first()
    if row is None:
        raise LookupError(f"no config version {version_id}")
    return _row(row)


def activate(conn: Connection, version_id: int) -> ConfigVersion:
    """Make ``version_id`` the active config (and no other)."""
    version = get_version(conn, version_id)
    conn.execute(update(t.config_versions).where(t.config_versions.c.active.is_(True)).values(active=False))
    conn.execute(update(t.config_versions).where(t.config_versions.c.id == version_id).values(active=True))
    return version


def active_version(conn: Connection) -> ConfigVersion | None:
    row = conn.execute(select(t.config_versions).where(t.config_versions.c.active.is_(True))).first()
    return None if row is None else _row(row)


def list_versions(conn: Connection, limit: int = 50) -> list[ConfigVersion]:
    """The newest ``limit`` versions, newest first."""
    cv = t.config_versions
    rows = conn.execute(select(cv).order_by(cv.c.id.desc()).limit(limit)).all()
    return [_row(r) for r in rows]


def previous_version(conn: Connection, version_id: int) -> ConfigVersion | None:
    """The version saved just before ``version_id`` (what its diff is against)."""
    cv = t.config_versions
    row = conn.execute(select(cv).where(cv.c.id < version_id).order_by(cv.c.id.desc()).limit(1)).first()
    return None if row is None else _row(row)


def rollback_target(conn: Connection) -> ConfigVersion | None:
    """What "roll back" returns to: the config that produced the latest scores before the active one
    took over, else the version saved just before the active one; None if there is nothing."""
    current = active_version(conn)
    if current is None:
        return None
    runs = t.scoring_runs
    used = conn.execute(
        select(runs.c.config_version_id)
        .where(runs.c.status == "succeeded", runs.c.config_version_id != current.id)
        .order_by(runs.c.id.desc())
        .limit(1)
    ).scalar()
    if used is not None:
        return get_version(conn, int(used))
    return previous_version(conn, current.id)


def canonical_yaml(body: dict[str, Any]) -> str:
    """The document as block-style YAML in its own key order; what diffs compare."""
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    yaml.width = 4096
    out = io.StringIO()
    yaml.dump(json.loads(json.dumps(body)), out)
    return out.getvalue()


def diff_bodies(old: dict[str, Any] | None, new: dict[str, Any], old_name: str, new_name: str) -> str:
    """A unified diff of the canonical YAML of two documents ('' when equal)."""
    before = canonical_yaml(old).splitlines(keepends=True) if old is not None else []
    after = canonical_yaml(new).splitlines(keepends=True)
    return "".join(difflib.unified_diff(before, after, fromfile=old_name, tofile=new_name))
