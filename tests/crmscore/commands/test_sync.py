"""``crmscore sync|writeback|install|quality`` through click's runner, against a loopback Odoo.

The fake Odoo answers in the recorded shapes with partners copied from the recorded Odoo 17 tour.
"""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select

from connector.testing import FakeClock, FakeOdoo, LoopbackServer
from crmscore.commands.sync import COMMANDS
from store.tables import sync_runs

RECORDINGS = Path(__file__).resolve().parents[3].parent / "shared" / "reference" / "recordings" / "odoo17"


def _recorded(seq: int) -> dict:
    with (RECORDINGS / "exchanges.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            exchange = json.loads(line)
            if exchange["seq"] == seq:
                return json.loads(exchange["response"]["body"]["string"])
    raise LookupError(seq)


def run(url: str, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    @click.group()
    @click.pass_context
    def cli(ctx: click.Context) -> None:
        ctx.ensure_object(dict)
        ctx.obj["database_url"] = url

    for command in COMMANDS:
        cli.add_command(command)
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def odoo(tmp_path: Path) -> tuple[FakeOdoo, Path]:
    clock = FakeClock(datetime.now(UTC) - timedelta(hours=1))
    types = {name: info["type"] for name, info in _recorded(8)["result"].items()}
    crm = FakeOdoo(clock, field_types=types)
    for row in _recorded(15)["result"][:8]:
        crm.add({k: v for k, v in row.items() if k not in ("id", "write_date", "parent_id")}, modified=clock.advance())
    return crm, tmp_path


def _sources(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(f"""sources:
  odoo:
    kind: odoo
    url: {url}
    database: crm
    login: admin
    password_env: TEST_ODOO_PASSWORD
    streams:
      sale_orders: {{enabled: false}}
      sale_order_lines: {{enabled: false}}
      campaigns: {{enabled: false}}
""", encoding="utf-8")
    return path


def test_sync_then_quality_then_a_dry_run_write_back(odoo: tuple[FakeOdoo, Path]) -> None:
    crm, tmp_path = odoo
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with LoopbackServer(crm) as server:
        sources = str(_sources(tmp_path, server.url))
        env = {"TEST_ODOO_PASSWORD": "admin"}
        code, out, err = run(url, "sync", "odoo", "--sources", sources, env=env)
        assert code == 0, err
        assert "partners" in out and "8" in out and "data quality:" in out
        assert "Odoo has no model crm.lead (is its app installed?): stream crm_leads skipped" in err  # not fatal
        code, out, err = run(url, "quality", "odoo")
        assert code == 0 and out.startswith("data quality:")
        code, out, err = run(url, "writeback", "odoo", "--dry-run", "--sources", sources, env=env)
    assert code == 0, err
    assert "dry run: 0 records would be written" in out  # nothing scored yet
    assert crm.writes == 0


def test_a_missing_secret_or_source_is_one_line_naming_it(odoo: tuple[FakeOdoo, Path]) -> None:
    _crm, tmp_path = odoo
    url = f"sqlite:///{tmp_path / 'store.db'}"
    sources = str(_sources(tmp_path, "http://127.0.0.1:9"))
    code, _out, err = run(url, "sync", "odoo", "--sources", sources, env={"TEST_ODOO_PASSWORD": ""})
    assert code == 2 and err.strip().endswith("sources.odoo.password_env: environment variable TEST_ODOO_PASSWORD is not set")
    code, _out, err = run(url, "sync", "odoo2", "--sources", sources)
    assert code == 2 and "no source named 'odoo2' (did you mean 'odoo'?)" in err and len(err.strip().splitlines()) == 1


def test_install_suitecrm_writes_a_module_loader_package(tmp_path: Path) -> None:
    package = tmp_path / "crmscore-fields.zip"
    code, out, err = run(f"sqlite:///{tmp_path / 'store.db'}", "install", "suitecrm", "--package", str(package))
    assert code == 0, err
    assert "Module Loader" in out
    with zipfile.ZipFile(package) as zf:
        assert "manifest.php" in zf.namelist()


def test_a_sync_or_write_back_that_cannot_reach_the_crm_says_so_in_one_line_and_records_the_failed_run(
    tmp_path: Path,
) -> None:
    with LoopbackServer(FakeOdoo(FakeClock(datetime.now(UTC)))) as server:
        closed = server.url  # the server is gone once the block ends: its port refuses connections
    url = f"sqlite:///{tmp_path / 'store.db'}"
    sources = str(_sources(tmp_path, closed))
    env = {"TEST_ODOO_PASSWORD": "admin"}
    for args in (["sync", "odoo"], ["writeback", "odoo", "--dry-run"], ["writeback", "odoo"]):
        code, _out, err = run(url, *args, "--sources", sources, env=env)
        assert code != 0 and "connection failed" in err and len(err.strip().splitlines()) == 1, (args, err)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            runs = conn.execute(select(sync_runs.c.source, sync_runs.c.status, sync_runs.c.errors).order_by(sync_runs.c.id)).all()
    finally:
        engine.dispose()
    assert [(r.source, r.status) for r in runs] == [("odoo", "failed"), ("odoo:writeback", "failed")]  # not the dry run
    assert all("connection failed" in r.errors[0]["message"] for r in runs)
