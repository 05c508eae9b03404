"""``crmscore keys create|list|revoke``: API keys for the GraphQL API.

The plaintext key is printed once, on creation, and never stored; losing it means revoking it and
creating another.
"""

from __future__ import annotations

import click

from crmscore.auth import ROLES, create_key, list_keys, revoke_key
from crmscore.commands.common import console, err_console
from crmscore.commands.common import friendly as _friendly
from crmscore.commands.common import open_engine as _engine

__all__ = ["keys"]


@click.group()
def keys() -> None:
    """Create, list and revoke API keys for the GraphQL API."""


@keys.command("create")
@click.option("--name", required=True, help="Who or what uses the key, e.g. 'sales dashboard'.")
@click.option("--role", type=click.Choice(ROLES), default="viewer", show_default=True)
@click.option("--source", default=None, help="Limit the key to the customers of this source.")
@click.pass_context
@_friendly
def create(ctx: click.Context, name: str, role: str, source: str | None) -> None:
    """Create a key and print it (only this once)."""
    engine = _engine(ctx)
    try:
        key, plaintext = create_key(engine, name=name, role=role, source=source)
    finally:
        engine.dispose()
    limit = f", limited to source {key.source}" if key.source else ""
    err_console.print(f"created key {key.id} ({key.name}, {key.role}{limit}); it is shown only now:", highlight=False)
    console.print(plaintext, markup=False, highlight=False)


@keys.command("list")
@click.option("--all", "include_revoked", is_flag=True, help="Include revoked keys.")
@click.pass_context
@_friendly
def list_(ctx: click.Context, include_revoked: bool) -> None:
    """List keys (never their secrets)."""
    engine = _engine(ctx)
    try:
        found = list_keys(engine, include_revoked=include_revoked)
    finally:
        engine.dispose()
    if not found:
        console.print("no API keys", highlight=False)
        return
    for k in found:
        used = f"{k.last_used_at:%Y-%m-%d %H:%M}" if k.last_used_at else "never"
        revoked = f"  revoked {k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else ""
        console.print(
            f"{k.id:>4}  crms_{k.prefix}_…  {k.role:<6}  source={k.source or '(all)'}  "
            f"created {k.created_at:%Y-%m-%d %H:%M}  last used {used}{revoked}  {k.name}",
            markup=False,
            highlight=False,
        )


@keys.command("revoke")
@click.argument("key")
@click.pass_context
@_friendly
def revoke(ctx: click.Context, key: str) -> None:
    """Revoke KEY, given by its id or its prefix (the 10 hex characters after 'crms_')."""
    if key.startswith("crms_"):  # a whole key pasted: its prefix names it
        key = key.split("_")[1]
    engine = _engine(ctx)
    try:
        revoked = revoke_key(engine, int(key) if key.isdigit() and len(key) != 10 else key)
    finally:
        engine.dispose()
    console.print(f"revoked key {revoked.id} ({revoked.name})", highlight=False)
