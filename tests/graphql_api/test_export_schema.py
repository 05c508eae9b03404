"""The committed SDL in graphql_api/schema.graphql matches the code."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphql_api import export_schema, schema


def test_the_committed_schema_file_matches_the_code() -> None:
    committed = export_schema.SCHEMA_FILE.read_text(encoding="utf-8")
    assert committed == str(schema) + "\n", (
        f"{export_schema.SCHEMA_FILE} is out of date with the code; "
        "regenerate it with `python -m graphql_api.export_schema` and review the diff"
    )


def test_export_writes_the_sdl_and_check_detects_drift(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "schema.graphql"
    monkeypatch.setattr(export_schema, "SCHEMA_FILE", target)
    assert export_schema.main(["--check"]) == 1
    assert "python -m graphql_api.export_schema" in capsys.readouterr().err
    assert export_schema.main([]) == 0
    assert target.read_text(encoding="utf-8") == str(schema) + "\n"
    assert export_schema.main(["--check"]) == 0
    target.write_text(target.read_text(encoding="utf-8").replace("totalCount", "total"), encoding="utf-8")
    assert export_schema.main(["--check"]) == 1


def test_export_refuses_unknown_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert export_schema.main(["--output", "x"]) == 2
    assert "usage:" in capsys.readouterr().err
