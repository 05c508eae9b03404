"""``crmscore model kpis`` and ``crmscore model cohorts`` as a user runs them, on a real store.

The store holds the hand-built portfolio of tests/crmscore/kpi_store.py. Reading and figures are
checked in detail in tests/crmscore/test_portfolio_kpis.py; here the commands run on both backends.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine

from crmscore.cli import cli
from tests.conftest import BACKENDS
from tests.crmscore.kpi_store import seed_kpi_store

Q1 = ["--from", "2025-01-01", "--to", "2025-03-31"]


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, copy_store: Any, tmp_path: Path) -> Iterator[Engine]:
    with copy_store(request.param, tmp_path) as engine:
        seed_kpi_store(engine)
        yield engine


def cells(line: str) -> list[str]:
    """The cells of one row of a rich table."""
    return [cell.strip() for cell in line.replace("┃", "│").strip("│").split("│")]


def run(engine: Engine, *args: str) -> Result:
    url = engine.url.render_as_string(hide_password=False)
    return CliRunner().invoke(cli, ["--database-url", url, "model", *args])


def test_kpis_json_holds_every_kpi_per_period_and_the_campaigns(store: Engine) -> None:
    result = run(store, "kpis", "--period", "quarter", *Q1, "--source", "crm", "--inactive-days", "90", "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert (body["period"], body["from"], body["to"], body["segment"]) == ("quarter", "2025-01-01", "2025-03-31", None)
    (q1,) = body["kpis"]
    assert (q1["label"], q1["start"], q1["end"]) == ("2025-Q1", "2025-01-01T00:00:00+00:00", "2025-04-01T00:00:00+00:00")
    assert (q1["retention_rate"], q1["churn_rate"], q1["win_back_rate"], q1["arpu"], q1["nps"]) == (100.0, 50.0, 50.0, 86.0, 25.0)
    assert [(c["campaign_id"], c["customers"], c["revenue"]) for c in body["campaigns"]] == [("K1", 1, 300.0), ("K3", 0, 0.0)]


def test_kpis_table_has_a_column_per_period_and_a_row_per_kpi(store: Engine) -> None:
    result = run(store, "kpis", *Q1, "--source", "crm", "--inactive-days", "90")
    assert result.exit_code == 0, result.output
    rows = {cells(line)[0]: cells(line)[1:] for line in result.stdout.splitlines() if line.startswith(("│", "┃"))}
    assert rows["KPI"] == ["2025-01", "2025-02", "2025-03"]
    # periods are start < t <= end: E's 100 stamped 02-01 00:00 is January's, C's 40 of 03-01 00:00 February's
    assert rows["revenue (net)"] == ["150.00", "80.00", "200.00"]  # F 50 + E 100; A 60 + C 40 − G 20; E 200
    assert rows["new customers"] == ["2", "0", "0"] and rows["CSAT"] == ["50.0 %", "–", "50.0 %"]  # A 5, F 2; none; C 3, E 4
    roi = next(line for line in result.stdout.splitlines() if "Winter mail" in line)
    assert roi.split() == ["Winter", "mail", "2025-01-05", "1,000", "1", "300", "-91", "%"]  # (300 × 0.3 − 1,000) / 1,000


def test_a_segment_table_marks_the_kpis_a_segment_cannot_have(store: Engine) -> None:
    result = run(store, "kpis", "--period", "quarter", *Q1, "--segment", "loyal", "--source", "crm")
    assert result.exit_code == 0, result.output
    assert "segment loyal" in result.stdout and "Leads, spend, CAC and retention cost belong to no segment" in result.stdout
    assert "marketing ROI" not in result.stdout


def test_cohorts_json_and_table(store: Engine) -> None:
    result = run(store, "cohorts", *Q1, "--source", "crm", "--json")
    assert result.exit_code == 0, result.output
    cohorts = json.loads(result.stdout)["cohorts"]
    assert [(c["cohort"], c["period"], c["active"], c["retention"]) for c in cohorts] == [
        ("2025-01", "2025-01", 2, 100.0),
        ("2025-01", "2025-02", 0, 0.0),
        ("2025-01", "2025-03", 1, 50.0),
    ]
    table = run(store, "cohorts", *Q1, "--source", "crm")
    row = next(line for line in table.stdout.splitlines() if line.startswith("│ 2025-01"))
    assert cells(row) == ["2025-01", "2", "100 %", "0 %", "50 %"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2025-13-01", "--to", "2025-12-31"], "error: --from: '2025-13-01' is not a date; use YYYY-MM-DD"),
        (["--from", "2025-01-01", "--to", "31.12.2025"], "error: --to: '31.12.2025' is not a date; use YYYY-MM-DD"),
        (["--from", "2025-03-01", "--to", "2025-01-31"], "error: from 2025-03-01 is after to 2025-01-31"),
        ([*Q1, "--segment", "Loyal"], "error: unknown segment 'Loyal' (segments: loyal, new, sleeping)"),
        ([*Q1, "--gross-margin", "30"], "error: gross margin must be between 0 and 1, got 30.0"),
    ],
)
def test_bad_input_is_one_error_line_and_exit_status_2(store: Engine, args: list[str], message: str) -> None:
    result = run(store, "kpis", *args)
    assert result.exit_code == 2
    assert result.stderr.strip() == message
    assert result.stdout == ""


def test_cohorts_refuse_a_reversed_range_too(store: Engine) -> None:
    result = run(store, "cohorts", "--from", "2025-03-01", "--to", "2025-01-31")
    assert (result.exit_code, result.stderr.strip()) == (2, "error: from 2025-03-01 is after to 2025-01-31")
