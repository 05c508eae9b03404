"""The sources file: positioned errors, secrets from the environment, overrides reaching the adapters."""

from __future__ import annotations

from pathlib import Path

import pytest

from connector.sources_config import (
    SourcesError,
    build_source,
    build_writer,
    load_sources,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "configs" / "sources" / "example.yaml"


def test_the_example_file_is_valid_and_declares_both_crms() -> None:
    sources = load_sources(EXAMPLE)
    assert {c.kind for c in sources.values()} == {"odoo", "suitecrm"}
    assert sources["suitecrm"].lookback.total_seconds() == 300


def test_mistakes_are_reported_with_file_line_and_key_path(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  crm:\n    kind: suitecrm\n    url: crm.example.com\n    client_id: abc\n"
                    "    client_secret: hunter2\n    page_size: -5\n", encoding="utf-8")
    with pytest.raises(SourcesError) as info:
        load_sources(path)
    message = str(info.value)
    assert f"{path}:6: sources.crm.client_secret: unknown key for suitecrm sources (did you mean 'client_secret_env'?)" in message
    assert f"{path}:4: sources.crm.url: expected an http(s) URL, found 'crm.example.com'" in message
    assert f"{path}:7: sources.crm.page_size: expected a non-negative number, found -5" in message


def test_secrets_come_from_the_environment_and_overrides_reach_the_adapter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text("""sources:
  crm:
    kind: suitecrm
    url: https://crm.example.com
    client_id: abc
    client_secret_env: CRM_SECRET
    page_size: 50
    streams:
      accounts: {extra_fields: [annual_revenue]}
      invoices: {enabled: false}
    writeback:
      fields: {band: crm_band_c}
""", encoding="utf-8")
    config = load_sources(path)["crm"]
    monkeypatch.delenv("CRM_SECRET", raising=False)
    with pytest.raises(SourcesError, match=r"sources.crm.client_secret_env: environment variable CRM_SECRET is not set"):
        build_source(config)
    monkeypatch.setenv("CRM_SECRET", "s3cr3t-value")
    source = build_source(config)  # SuiteCRM needs no request to build: the token comes with the first call
    streams = {s.name: s for s in source.streams()}
    assert streams["accounts"].fields[-1] == "annual_revenue" and not streams["invoices"].enabled
    assert source.page_size == 50
    assert "crm_band_c" in source.writeback_fields() and "health_band_c" not in source.writeback_fields()
    assert build_writer(config, source).fields["band"] == "crm_band_c"
