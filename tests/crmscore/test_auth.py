"""API keys: shown once, stored as a hash, verified in constant time, revocable, role and source."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, create_engine, select

from crmscore.auth import (
    KEY_PATTERN,
    Principal,
    create_key,
    hash_key,
    list_keys,
    revoke_key,
    touch_key,
    verify_key,
)
from crmscore.errors import UserFacingError
from store.tables import api_keys


def test_a_key_is_stored_only_as_a_hash_and_verifies_to_its_principal(engine: Engine) -> None:
    key, plaintext = create_key(engine, name="dashboard", role="viewer", source="odoo")
    assert KEY_PATTERN.fullmatch(plaintext)
    with engine.connect() as conn:
        row = conn.execute(select(api_keys)).one()
    assert plaintext not in str(tuple(row)) and row.key_hash == hash_key(plaintext)
    assert plaintext.split("_")[1] == row.prefix == key.prefix
    assert verify_key(engine, plaintext) == Principal(key_id=key.id, name="dashboard", role="viewer", source="odoo")


def test_keys_that_were_not_issued_or_were_revoked_do_not_verify(engine: Engine, subtests: pytest.Subtests) -> None:
    key, plaintext = create_key(engine, name="ops", role="admin")
    _, other = create_key(engine, name="other", role="viewer")
    tampered = plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B")
    swapped = f"crms_{key.prefix}_{other.split('_', 2)[2]}"  # right prefix, another key's secret
    for case, presented in {"tampered": tampered, "swapped": swapped, "garbage": "hello", "empty": ""}.items():
        with subtests.test(case):
            assert verify_key(engine, presented) is None
    revoke_key(engine, key.prefix)
    assert verify_key(engine, plaintext) is None
    assert [k.name for k in list_keys(engine)] == ["other"]
    assert [(k.name, k.active) for k in list_keys(engine, include_revoked=True)] == [("ops", False), ("other", True)]
    assert revoke_key(engine, key.id).revoked_at is not None  # twice is harmless


def test_bad_key_requests_are_user_errors(engine: Engine) -> None:
    with pytest.raises(UserFacingError, match="role 'owner' is not one of viewer, admin"):
        create_key(engine, name="x", role="owner")
    with pytest.raises(UserFacingError, match="a key needs a name"):
        create_key(engine, name="  ", role="viewer")
    with pytest.raises(UserFacingError, match="there is no API key 'nope'"):
        revoke_key(engine, "nope")


def test_recording_a_key_use_gives_way_when_the_store_is_busy(engine: Engine) -> None:
    """Stamping ``last_used_at`` is bookkeeping: a store whose write lock is held (a long scoring run
    on SQLite) skips the stamp and says so, rather than failing the request that used the key."""
    key, _ = create_key(engine, name="dashboard", role="viewer")
    assert touch_key(engine, key.id) is True
    if engine.dialect.name != "sqlite":
        return  # PostgreSQL takes row locks: an unrelated writer never blocks this update
    impatient = create_engine(engine.url, connect_args={"timeout": 0.1})
    try:
        with engine.connect() as holder:
            holder.exec_driver_sql("BEGIN IMMEDIATE")  # what a scoring run's write holds
            try:
                assert touch_key(impatient, key.id) is False
            finally:
                holder.exec_driver_sql("ROLLBACK")
        assert touch_key(impatient, key.id) is True
    finally:
        impatient.dispose()
