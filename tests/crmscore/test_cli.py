"""The command line: the demo end to end, and one-line errors for everything a user can get wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from crmscore.cli import cli
from graphql_api import create_app
from store import open_store

REPO = Path(__file__).resolve().parents[2]


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_the_demo_generates_loads_scores_and_summarises(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    code, out, err = _run("--database-url", url, "demo", "--customers", "120", "--data-dir", str(tmp_path / "data"))
    assert code == 0, err
    for heading in ("Health-score distribution", "Bands", "Segments", "Lowest-scoring 10 customers"):
        assert heading in out
    assert "customers scored" in out and "demo finished" in err

    # ... and what it stored is what `crmscore serve` answers, to a viewer key made by `crmscore keys`.
    code, key_out, err = _run("--database-url", url, "keys", "create", "--name", "front-end", "--role", "viewer")
    assert code == 0, err
    key = next(word for word in key_out.split() if word.startswith("crms_"))
    client = TestClient(create_app(open_store(url)))
    query = {"query": "{ customers(first: 5) { totalCount nodes { id name healthScore band segment } } }"}
    assert client.post("/graphql", json=query).status_code == 401
    body = client.post("/graphql", json=query, headers={"Authorization": f"Bearer {key}"}).json()
    connection = body["data"]["customers"]
    assert connection["totalCount"] == 120
    assert len(connection["nodes"]) == 5
    assert all(isinstance(n["healthScore"], float) and n["band"] and n["segment"] for n in connection["nodes"])


def test_the_shipped_config_validates() -> None:
    code, out, _ = _run("config", "validate", str(REPO / "configs" / "default.yaml"))
    assert code == 0 and "valid" in out


def test_a_mistyped_config_key_is_named_with_its_path_and_line(tmp_path: Path) -> None:
    text = (REPO / "configs" / "default.yaml").read_text()
    assert "window_days:" in text
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("window_days:", "window_dayz:", 1))
    line = next(i for i, row in enumerate(bad.read_text().splitlines(), start=1) if "window_dayz" in row)
    code, _, err = _run("config", "validate", str(bad))
    assert code == 2
    assert f"bad.yaml:{line}:" in err
    assert "window_dayz" in err and "window_days" in err  # names the key and suggests the right one
    assert "Traceback" not in err


def test_a_missing_config_file_is_one_line(tmp_path: Path) -> None:
    code, _, err = _run("config", "validate", str(tmp_path / "nope.yaml"))
    assert code == 2 and err.strip() == f"error: {tmp_path / 'nope.yaml'}: no such file"


def test_an_unreachable_database_is_one_line() -> None:
    code, _, err = _run("--database-url", "postgresql+psycopg://u:pw@127.0.0.1:1/x", "score")
    assert code == 2
    assert err.startswith("error: cannot reach postgresql+psycopg://u:***@127.0.0.1:1/x")
    assert len(err.strip().splitlines()) == 1


def test_a_bad_csv_row_names_file_row_and_column(tmp_path: Path) -> None:
    data = tmp_path / "export"
    data.mkdir()
    (data / "customers.csv").write_text("external_id,name,created_at\nC1,Acme,2026-01-01T00:00:00Z\nC2,Beta,yesterday\n")
    code, _, err = _run("--database-url", f"sqlite:///{tmp_path / 'x.db'}", "load", str(data))
    assert code == 2
    assert err.strip() == (
        "error: customers.csv:3: column 'created_at': 'yesterday' is not an ISO-8601 timestamp (record 'C2')"
    )


@pytest.mark.parametrize("args", [["score"], ["load", "."]])
def test_commands_honour_the_database_url_from_the_environment(tmp_path: Path, args: list[str]) -> None:
    code, _, err = _run(*args, env={"CRMSCORE_DATABASE_URL": f"sqlite:///{tmp_path / 'missing' / 'x.db'}"})
    assert code == 2 and "does not exist" in err
