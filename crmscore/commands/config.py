"""``crmscore config …``: validate, diff, save, activate, roll back, preview and list config versions.

Every command goes through ``crmscore.config.service`` — the same functions GraphQL calls — so the
CLI and the API give the same messages. Problems in a config print as ``file:line:col  $.path
message`` lines and exit with status 2, like every other user error.

Wire it into the main CLI with ``cli.add_command(config)`` (replacing the old ``config`` group).
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.table import Table

from crmscore.commands.common import console, friendly, open_engine
from crmscore.config.issues import ConfigError, ConfigIssue
from crmscore.errors import UserFacingError

__all__ = ["config"]

F = TypeVar("F", bound=Callable[..., Any])


_friendly = friendly


def _out() -> Any:
    return console


_engine = open_engine


def _fail(issues: Sequence[ConfigIssue]) -> None:
    """Store-side problems (no such version) are one line; config problems list every issue."""
    from crmscore.config.service import STORE

    if issues and all(i.file == STORE for i in issues):
        raise UserFacingError("; ".join(i.message for i in issues))
    raise ConfigError(issues)


def _read(file: Path) -> str:
    if not file.is_file():
        raise UserFacingError(f"{file}: no such file")
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserFacingError(f"{file}: cannot read the config file: {exc}") from None


def _author(author: str | None) -> str | None:
    if author:
        return author
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def _contributions(contributions: dict[str, dict[str, float]]) -> None:
    for card, shares in contributions.items():
        table = Table(title=f"scorecard {card}: % contribution", title_justify="left")
        table.add_column("indicator")
        table.add_column("%", justify="right")
        for key, share in shares.items():
            table.add_row(key, f"{share:.1f}")
        _out().print(table)


@click.group()
def config() -> None:
    """Check, version and preview scoring configs."""


@config.command("validate")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--weights", is_flag=True, help="Also print each scorecard's % contribution per indicator.")
@_friendly
def validate_cmd(file: Path, weights: bool) -> None:
    """Check FILE: schema, rules and formulas; lists every problem with its line and path."""
    from crmscore.config.service import validate_config_text

    outcome = validate_config_text(_read(file), str(file))
    if not outcome.ok:
        _fail(outcome.issues)
    _out().print(f"{file}: valid", highlight=False)
    if weights:
        _contributions(outcome.contributions)


def _body(ref: str, ctx: click.Context) -> tuple[str, dict[str, Any]]:
    """A version id (digits) from the store, or a config file."""
    from crmscore.config.loader import check_text
    from crmscore.config_versions import get_version

    if ref.isdigit():
        with _engine(ctx).connect() as conn:
            try:
                return f"version {ref}", get_version(conn, int(ref)).body
            except LookupError:
                raise UserFacingError(f"there is no config version {ref}") from None
    issues, data = check_text(_read(Path(ref)), ref)
    if issues:
        _fail(issues)
    return ref, data


@config.command("diff")
@click.argument("old")
@click.argument("new", required=False)
@click.pass_context
@_friendly
def diff_cmd(ctx: click.Context, old: str, new: str | None) -> None:
    """Show what changes from OLD to NEW (version ids or files); with one argument, from the active version."""
    from crmscore.config.service import active_config
    from crmscore.config_versions import diff_bodies

    if new is None:
        current = active_config(_engine(ctx))
        if current is None:
            raise UserFacingError("no config is active yet; give two versions or files to compare")
        (old_name, old_body), (new_name, new_body) = (f"version {current.id}", current.body), _body(old, ctx)
    else:
        (old_name, old_body), (new_name, new_body) = _body(old, ctx), _body(new, ctx)
    text = diff_bodies(old_body, new_body, old_name, new_name)
    _out().print(text or "no differences", markup=False, highlight=False, end="" if text else "\n")


@config.command("save")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--author", help="Who is saving (default: the current user).")
@click.option("--comment", "-m", help="Why the config changes.")
@click.option("--activate", "activate_now", is_flag=True, help="Make it the active config right away.")
@click.pass_context
@_friendly
def save_cmd(ctx: click.Context, file: Path, author: str | None, comment: str | None, activate_now: bool) -> None:
    """Store FILE as a new immutable config version (only if it is valid)."""
    from crmscore.config.service import save_config

    outcome = save_config(
        _engine(ctx), _read(file), filename=str(file), author=_author(author), comment=comment, activate_now=activate_now
    )
    if not outcome.ok or outcome.version is None:
        _fail(outcome.issues)
        return
    v = outcome.version
    state = "saved as" if outcome.created else "unchanged: already stored as"
    _out().print(f"{state} version {v.id}" + (" (active)" if v.active else ""), highlight=False)
    if outcome.diff:
        _out().print(outcome.diff, markup=False, highlight=False, end="")


@config.command("activate")
@click.argument("version_id", type=int)
@click.pass_context
@_friendly
def activate_cmd(ctx: click.Context, version_id: int) -> None:
    """Make VERSION_ID the active config; the next scoring run uses it."""
    from crmscore.config.service import activate_config

    outcome = activate_config(_engine(ctx), version_id)
    if not outcome.ok or outcome.version is None:
        _fail(outcome.issues)
        return
    before = f" (was version {outcome.previous.id})" if outcome.previous else ""
    _out().print(f"version {outcome.version.id} is active{before}", highlight=False)


@config.command("rollback")
@click.option("--to", "to_version", type=int, help="Version to return to (default: the one in force before).")
@click.pass_context
@_friendly
def rollback_cmd(ctx: click.Context, to_version: int | None) -> None:
    """Return to the previous config version."""
    from crmscore.config.service import rollback_config

    outcome = rollback_config(_engine(ctx), to_version)
    if not outcome.ok or outcome.version is None:
        _fail(outcome.issues)
        return
    before = f" (was version {outcome.previous.id})" if outcome.previous else ""
    _out().print(f"rolled back: version {outcome.version.id} is active{before}", highlight=False)


@config.command("versions")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.pass_context
@_friendly
def versions_cmd(ctx: click.Context, limit: int) -> None:
    """List stored config versions, newest first."""
    from crmscore.config.service import config_versions

    table = Table()
    for column in ("id", "active", "saved (UTC)", "author", "name", "comment"):
        table.add_column(column)
    for v in config_versions(_engine(ctx), limit):
        table.add_row(
            str(v.id), "*" if v.active else "", v.created_at.strftime("%Y-%m-%d %H:%M"), v.author or "", v.name, v.comment or ""
        )
    _out().print(table)


@config.command("preview")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="Score as of this date (default: the newest event).")
@click.option("--top", default=10, show_default=True, type=click.IntRange(0, 1000), help="How many movers to list.")
@click.pass_context
@_friendly
def preview_cmd(ctx: click.Context, file: Path, as_of: datetime | None, top: int) -> None:
    """Show what FILE would do on the current data, next to the active config. Writes nothing."""
    from crmscore.commands.preview_view import render_preview
    from crmscore.config.service import preview_config

    outcome = preview_config(
        _engine(ctx), _read(file), filename=str(file), as_of=as_of.replace(tzinfo=UTC) if as_of else None, top=top
    )
    if not outcome.ok or outcome.preview is None:
        _fail(outcome.issues)
        return
    render_preview(outcome.preview, _out())
