"""``crmscore keys create|list|revoke`` (the group, run through click's test runner)."""

from __future__ import annotations

import click
from click.testing import CliRunner

from crmscore.auth import KEY_PATTERN, verify_key
from crmscore.commands.keys import keys
from store import open_store


def run(url: str, *args: str) -> tuple[int, str, str]:
    @click.group()
    @click.pass_context
    def cli(ctx: click.Context) -> None:
        ctx.ensure_object(dict)
        ctx.obj["database_url"] = url

    cli.add_command(keys)
    result = CliRunner().invoke(cli, ["keys", *args])
    return result.exit_code, result.stdout, result.stderr


def test_create_prints_the_key_once_list_hides_it_and_revoke_stops_it(store_url: str) -> None:
    code, out, err = run(store_url, "create", "--name", "sales dashboard", "--role", "admin", "--source", "odoo")
    assert code == 0, err
    plaintext = out.strip()
    match = KEY_PATTERN.fullmatch(plaintext)
    assert match
    secret = match.group(2)  # may itself contain "_": token_urlsafe's alphabet
    assert "shown only now" in err and "limited to source odoo" in err
    code, listing, _ = run(store_url, "list")
    assert code == 0 and "sales dashboard" in listing and secret not in listing
    code, out, _ = run(store_url, "revoke", plaintext)
    assert code == 0 and "revoked key" in out
    engine = open_store(store_url)
    try:
        assert verify_key(engine, plaintext) is None
    finally:
        engine.dispose()
    assert run(store_url, "list")[1].strip() == "no API keys"
    assert "sales dashboard" in run(store_url, "list", "--all")[1]


def test_mistakes_are_one_line_errors(store_url: str) -> None:
    code, _, err = run(store_url, "revoke", "ffffffffff")
    assert code == 2 and err.strip() == "error: there is no API key 'ffffffffff'"
    code, _, err = run(store_url, "create", "--name", "x", "--role", "owner")
    assert code == 2 and "owner" in err
