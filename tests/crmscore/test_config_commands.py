"""``crmscore config …``: the same service results as GraphQL, printed, with one-line errors."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from crmscore.commands.config import config

REPO = Path(__file__).resolve().parents[2]


@click.group()
@click.option("--database-url", default=None)
@click.pass_context
def root(ctx: click.Context, database_url: str | None) -> None:
    """Stands in for ``crmscore.cli.cli``, which wires the group the same way."""
    ctx.ensure_object(dict)
    ctx.obj["database_url"] = database_url


root.add_command(config)


@pytest.fixture
def run(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"

    def invoke(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(root, ["--database-url", url, "config", *args], catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return invoke


def test_validate_prints_valid_and_the_weights_or_every_issue(run, tmp_path):
    code, out, _ = run("validate", str(REPO / "configs" / "b2b.yaml"), "--weights")
    assert code == 0 and "b2b.yaml: valid" in out and "scorecard key_accounts: % contribution" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nindicators:\n  - {key: r, kind: recency, weight: 1, wieght: 2}\n")
    code, _, err = run("validate", str(bad))
    assert code == 2
    assert err.splitlines() == [
        f"{bad}:3:40  $.indicators[0].wieght  unknown key 'wieght' (did you mean 'weight'?)",
        "error: 1 problem(s) in the config",
    ]
    code, _, err = run("validate", str(tmp_path / "nope.yaml"))
    assert code == 2 and err.strip() == f"error: {tmp_path / 'nope.yaml'}: no such file"


def test_save_versions_diff_activate_rollback_and_preview(run, tmp_path):
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text((REPO / "configs" / "default.yaml").read_text())
    second.write_text(first.read_text().replace("    weight: 3\n", "    weight: 4\n", 1))

    code, out, _ = run("save", str(first), "--author", "ana", "-m", "initial", "--activate")
    assert code == 0 and out.startswith("saved as version 1 (active)")
    code, out, _ = run("save", str(second), "--author", "ben")
    assert code == 0 and out.startswith("saved as version 2\n") and "-  weight: 3\n+  weight: 4\n" in out
    assert run("save", str(second))[1].startswith("unchanged: already stored as version 2")

    code, out, _ = run("versions")
    assert code == 0 and "ana" in out and "ben" in out and "initial" in out

    assert "+  weight: 4" in run("diff", "1", "2")[1]
    assert "+  weight: 4" in run("diff", str(second))[1]  # a file against the active version
    assert run("diff", "1", str(first))[1].strip() == "no differences"

    assert run("activate", "2")[1].strip() == "version 2 is active (was version 1)"
    assert run("rollback")[1].strip() == "rolled back: version 1 is active (was version 2)"
    code, _, err = run("activate", "9")
    assert code == 2 and err.strip() == "error: there is no config version 9"

    code, out, _ = run("preview", str(second))  # an empty store still previews
    assert code == 0 and "nothing was written" in out and "Health scores" in out and "Band changes: 0" in out
