"""The data-quality report: duplicates, orphans, missing fields and suspicious values, stored per sync."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select

from connector.quality import (
    build_quality_report,
    latest_quality_report,
    normalise_name,
    save_quality_report,
)
from store import tables

NOW = datetime(2026, 11, 22, 22, 0, tzinfo=UTC)


def _customer(external_id: str, name: str, email: str | None = None, phone: str | None = None) -> dict[str, Any]:
    return {"source": "crm", "external_id": external_id, "name": name, "kind": "company", "email": email, "phone": phone,
            "active": True, "attributes": {}, "loaded_at": NOW}


def test_names_compare_without_case_accents_punctuation_or_legal_form() -> None:
    assert normalise_name("Müller & Söhne GmbH") == normalise_name("MULLER & SOHNE") == "muller sohne"
    assert normalise_name("Łódź Logistics Sp. z o.o.") == normalise_name("Lodz Logistics")
    assert normalise_name("Acme Widgets Inc.") != normalise_name("Acme Gadgets Inc.")


def test_the_report_finds_duplicates_orphans_missing_fields_and_suspicious_values(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(tables.customers), [
            _customer("1", "Müller & Söhne GmbH", "info@mueller.example", "+49 30 1234567"),
            _customer("2", "MULLER & SOHNE", "INFO@mueller.example ", None),
            _customer("3", "Globex", "sales@globex.example", "+49 (30) 123-4567"),
            _customer("4", "Rocket ???? Labs Ltd", "not-an-email", None),
            _customer("5", "Nobody Reachable", None, None),
        ])
        conn.execute(insert(tables.orders), [
            {"source": "crm", "external_id": "o1", "customer_external_id": "1", "kind": "order", "ordered_at": NOW,
             "amount": 10.0, "attributes": {}, "loaded_at": NOW},
            {"source": "crm", "external_id": "o2", "customer_external_id": "99", "kind": "order", "ordered_at": NOW,
             "amount": 10.0, "attributes": {}, "loaded_at": NOW},
            {"source": "crm", "external_id": "o3", "customer_external_id": None, "kind": "order",
             "ordered_at": NOW + timedelta(days=30), "amount": 10.0, "attributes": {}, "loaded_at": NOW},
        ])
        conn.execute(insert(tables.opportunities), [
            {"source": "crm", "external_id": "p1", "customer_external_id": "3", "amount": -5.0, "stage": "New",
             "attributes": {}, "loaded_at": NOW},
            {"source": "crm", "external_id": "p2", "customer_external_id": "3", "amount": None, "stage": None,
             "attributes": {}, "loaded_at": NOW},
        ])
        report = build_quality_report(conn, "crm", now=NOW)
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for finding in report.findings:
        by_kind.setdefault(finding["kind"], []).append(finding)
    assert [f["ids"] for f in by_kind["duplicate_email"]] == [["1", "2"]]
    assert [f["ids"] for f in by_kind["duplicate_phone"]] == [["1", "3"]]
    assert [f["ids"] for f in by_kind["duplicate_name"]] == [["1", "2"]]
    assert sorted((f["entity"], f["id"]) for f in by_kind["orphan"]) == [("orders", "o2"), ("orders", "o3")]
    assert sorted((f["entity"], f["id"]) for f in by_kind["missing"]) == [("customers", "5"), ("opportunities", "p2")]
    assert sorted((f["id"], f["field"]) for f in by_kind["suspicious"]) == [("4", "email"), ("4", "name"), ("o3", "ordered_at"),
                                                                            ("p1", "amount")]
    assert report.summary == {"duplicate_email": 1, "duplicate_phone": 1, "duplicate_name": 1, "orphan": 2, "missing": 2,
                              "suspicious": 4}

    save_quality_report(engine, report, None)
    with engine.connect() as conn:
        stored = latest_quality_report(conn, "crm")
        assert conn.execute(select(tables.quality_reports.c.source)).scalars().all() == ["crm"]
    assert stored is not None and stored.summary == report.summary and stored.findings == report.findings
