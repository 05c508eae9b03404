"""API keys: created once, shown once, stored only as a hash.

A key looks like ``crms_<prefix>_<secret>``: the prefix (10 hex characters) is not secret and finds
the row; the secret is 32 random bytes. Only ``sha256(key)`` is stored. A slow password hash would
buy nothing here — the secret has 256 bits of entropy, so there is nothing to brute-force — and a
fast hash keeps verification cheap on every request. Comparison is constant-time.

Roles: ``viewer`` reads; ``admin`` also runs mutations. A key may be limited to one ``source``
(one CRM instance): it then sees only that source's customers, alerts and sync runs, and may not
run anything that touches every source (scoring, config changes).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import OperationalError

from crmscore.errors import UserFacingError
from store.tables import api_keys

log = logging.getLogger(__name__)

__all__ = [
    "ADMIN",
    "KEY_PATTERN",
    "ROLES",
    "VIEWER",
    "ApiKey",
    "Principal",
    "create_key",
    "hash_key",
    "list_keys",
    "revoke_key",
    "touch_key",
    "verify_key",
]

VIEWER = "viewer"
ADMIN = "admin"
ROLES = (VIEWER, ADMIN)

KEY_PATTERN = re.compile(r"crms_([0-9a-f]{10})_([A-Za-z0-9_-]{43})")


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id and name, its role, and the source it is limited to (if any)."""

    key_id: int | None
    name: str
    role: str
    source: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN


@dataclass(frozen=True)
class ApiKey:
    """A stored key as listed to an operator: everything but the secret (which is not stored)."""

    id: int
    prefix: str
    name: str
    role: str
    source: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _row(row: Any) -> ApiKey:
    return ApiKey(
        id=row.id,
        prefix=row.prefix,
        name=row.name,
        role=row.role,
        source=row.source,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


def create_key(engine: Engine, *, name: str, role: str, source: str | None = None) -> tuple[ApiKey, str]:
    """Store a new key and return it with its plaintext, which is never available again."""
    if role not in ROLES:
        raise UserFacingError(f"role {role!r} is not one of {', '.join(ROLES)}")
    name = name.strip()
    if not name or len(name) > 128:
        raise UserFacingError("a key needs a name of 1 to 128 characters")
    if source is not None and not 0 < len(source) <= 64:
        raise UserFacingError("source must be 1 to 64 characters")
    prefix = secrets.token_hex(5)
    plaintext = f"crms_{prefix}_{secrets.token_urlsafe(32)}"
    with engine.begin() as conn:
        key_id = conn.execute(
            insert(api_keys)
            .values(
                prefix=prefix,
                key_hash=hash_key(plaintext),
                name=name,
                role=role,
                source=source,
                created_at=datetime.now(UTC),
            )
            .returning(api_keys.c.id)
        ).scalar_one()
        row = conn.execute(select(api_keys).where(api_keys.c.id == key_id)).one()
    return _row(row), plaintext


def list_keys(engine: Engine, *, include_revoked: bool = False) -> list[ApiKey]:
    stmt = select(api_keys).order_by(api_keys.c.id)
    if not include_revoked:
        stmt = stmt.where(api_keys.c.revoked_at.is_(None))
    with engine.connect() as conn:
        return [_row(r) for r in conn.execute(stmt)]


def revoke_key(engine: Engine, key: int | str) -> ApiKey:
    """Revoke by id or prefix; revoking twice is harmless. Raises UserFacingError if there is none."""
    column = api_keys.c.id if isinstance(key, int) else api_keys.c.prefix
    with engine.begin() as conn:
        row = conn.execute(select(api_keys).where(column == key)).first()
        if row is None:
            raise UserFacingError(f"there is no API key {key!r}")
        if row.revoked_at is None:
            conn.execute(
                update(api_keys).where(api_keys.c.id == row.id).values(revoked_at=datetime.now(UTC))
            )
        row = conn.execute(select(api_keys).where(api_keys.c.id == row.id)).one()
    return _row(row)


def verify_key(engine: Engine, presented: str) -> Principal | None:
    """The principal a presented key stands for, or None if it is malformed, unknown or revoked."""
    match = KEY_PATTERN.fullmatch(presented)
    if match is None:
        return None
    with engine.connect() as conn:
        row = conn.execute(
            select(api_keys.c.id, api_keys.c.key_hash, api_keys.c.name, api_keys.c.role, api_keys.c.source).where(
                api_keys.c.prefix == match.group(1), api_keys.c.revoked_at.is_(None)
            )
        ).first()
    if row is None or not hmac.compare_digest(row.key_hash, hash_key(presented)):
        return None
    return Principal(key_id=row.id, name=row.name, role=row.role, source=row.source)


def touch_key(engine: Engine, key_id: int) -> bool:
    """Record that a key was used (callers throttle this). Returns False if the store was busy.

    This is bookkeeping, not security: a request must not fail because a long scoring run holds
    SQLite's single write lock, so a busy store skips the stamp (logged) and the next use retries."""
    try:
        with engine.begin() as conn:
            conn.execute(update(api_keys).where(api_keys.c.id == key_id).values(last_used_at=datetime.now(UTC)))
    except OperationalError as exc:
        log.warning("could not record the use of API key %s: %s", key_id, str(exc.orig or exc).splitlines()[0])
        return False
    return True
