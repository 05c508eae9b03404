"""Default mappings applied to recorded CRM records, and mapping overrides checked with clear messages."""

from __future__ import annotations

from typing import Any

import pytest

from connector.api_mapping import merge_spec, parse_stream
from connector.api_rows import map_records
from connector.mapping import MappingError
from connector.odoo import OdooSource, odoo_streams
from connector.suitecrm import SUITECRM_STREAMS, SuiteCrmSource
from connector.suitecrm.source import parse_suitecrm_datetime


def _suitecrm(rec: Any, stream: str, seq: int, meta_seq: int | None) -> tuple[Any, list[dict[str, Any]]]:
    spec = parse_stream(stream, SUITECRM_STREAMS[stream], where="test")
    types = {k: v["type"] for k, v in rec.json("suitecrm714", meta_seq)["data"]["attributes"].items()} if meta_seq else {}
    return spec, [SuiteCrmSource.normalise(row, types) for row in rec.json("suitecrm714", seq)["data"]]


def _modified(record: dict[str, Any]) -> Any:
    return record.get("date_modified") or record.get("write_date")


def test_suitecrm_contacts_become_contacts_of_their_account(rec: Any) -> None:
    spec, records = _suitecrm(rec, "contacts", 105, 20)
    page = map_records(spec, records, modified=_modified)
    raw = rec.json("suitecrm714", 105)["data"]
    assert page.errors == []
    rows = page.rows["contacts"]
    assert [r["customer_external_id"] for r in rows] == [(r["attributes"]["account_id"] or None) for r in raw]
    first = raw[0]["attributes"]
    assert rows[0]["name"] == f"{first['first_name']} {first['last_name']}"
    assert rows[0]["modified_at"] == parse_suitecrm_datetime(first["date_modified"])
    assert rows[0]["attributes"]["primary_address_country"] == first["primary_address_country"]


def test_suitecrm_text_comes_back_unescaped_and_typed_by_the_vardefs(rec: Any) -> None:
    spec, records = _suitecrm(rec, "accounts", 28, 19)
    rows = map_records(spec, records, modified=_modified).rows["customers"]
    escaped = next(r for r in rec.json("suitecrm714", 28)["data"] if "&#039;" in r["attributes"]["name"])
    row = next(r for r in rows if r["external_id"] == escaped["id"])
    assert "'" in row["name"] and "&#039;" not in row["name"]
    assert row["kind"] == "company" and row["active"] is True
    assert row["created_at"] == parse_suitecrm_datetime(escaped["attributes"]["date_entered"])


@pytest.mark.parametrize("seq", [107, 108, 109])
def test_suitecrm_opportunity_status_follows_the_sales_stage(rec: Any, seq: int) -> None:
    spec, records = _suitecrm(rec, "opportunities", seq, 21)
    rows = map_records(spec, records, modified=_modified).rows["opportunities"]
    for row, raw in zip(rows, rec.json("suitecrm714", seq)["data"]):
        stage = raw["attributes"]["sales_stage"]
        assert row["status"] == {"Closed Won": "won", "Closed Lost": "lost"}.get(stage, "open")
        assert (row["closed_at"] is not None) == stage.startswith("Closed")
        assert row["amount"] == float(raw["attributes"]["amount_usdollar"])


def test_suitecrm_calls_count_as_activities_of_an_account_only_when_their_parent_is_one(rec: Any) -> None:
    spec, records = _suitecrm(rec, "calls", 114, 23)
    rows = map_records(spec, records, modified=_modified).rows["activities"]
    for row, raw in zip(rows, rec.json("suitecrm714", 114)["data"]):
        parent = raw["attributes"]["parent_id"] if raw["attributes"]["parent_type"] == "Accounts" else None
        assert row["customer_external_id"] == (parent or None)
        assert row["kind"] == "call" and row["occurred_at"] is not None


def test_odoo_11_opportunities_take_their_amount_from_planned_revenue(rec: Any) -> None:
    defaults = odoo_streams(11)["crm_leads"]
    assert "planned_revenue" in defaults["fields"] and "expected_revenue" not in defaults["fields"]
    opportunity_route = {**defaults["routes"][0]}
    opportunity_route.pop("when")  # the recorded call filtered on type in its domain, so rows carry no type
    spec = parse_stream("crm_leads", merge_spec(defaults, {"routes": [opportunity_route]}), where="test")
    types = {k: v["type"] for k, v in rec.json("odoo11", 5)["result"].items()}
    raw = rec.json("odoo11", 7)["result"]
    records = [OdooSource.normalise(spec, row, types) for row in raw]
    rows = map_records(spec, records, modified=_modified).rows["opportunities"]
    assert [r["amount"] for r in rows] == [r["planned_revenue"] for r in raw]
    assert [r["customer_external_id"] for r in rows] == [str(r["partner_id"][0]) for r in raw]
    assert [r["stage"] for r in rows] == [r["stage_id"][1] for r in raw]


def test_odoo_17_uses_expected_revenue_and_customer_rank() -> None:
    streams = odoo_streams(17)
    assert "expected_revenue" in streams["crm_leads"]["fields"] and "customer_rank" in streams["partners"]["fields"]
    assert "customer" in odoo_streams(12)["partners"]["fields"]


def test_odoo_lost_opportunities_are_the_archived_ones(rec: Any) -> None:
    spec = parse_stream("crm_leads", odoo_streams(17)["crm_leads"], where="test")
    types = {k: v["type"] for k, v in rec.json("odoo17", 9)["result"].items()}
    lost = [OdooSource.normalise(spec, row, types) for row in rec.json("odoo17", 110)["result"]]
    assert lost and {r["_status"] for r in lost} == {"lost"}
    assert all(r["lost_reason_id"] for r in lost)


def test_odoo_false_means_empty_except_for_booleans(rec: Any) -> None:
    spec = parse_stream("partners", odoo_streams(17)["partners"], where="test")
    types = {k: v["type"] for k, v in rec.json("odoo17", 8)["result"].items()}
    raw = rec.json("odoo17", 15)["result"]
    records = [OdooSource.normalise(spec, row, types) for row in raw]
    person = next(r for r, o in zip(records, raw) if o["website"] is False and o["is_company"] is False)
    assert person["website"] is None and person["is_company"] is False
    page = map_records(spec, records, modified=_modified)
    assert len(page.rows["customers"]) + len(page.rows["contacts"]) == len(raw)
    assert {r["customer_external_id"] for r in page.rows["contacts"]} <= {str(o["parent_id"][0]) for o in raw if o["parent_id"]}


def test_an_override_with_a_typo_is_refused_with_a_suggestion() -> None:
    with pytest.raises(MappingError) as info:
        parse_stream("accounts", merge_spec(SUITECRM_STREAMS["accounts"], {"columns": {"nmae": "name"}, "extrafields": []}),
                     where="sources.yaml: sources.crm.streams.accounts")
    message = str(info.value)
    assert "sources.crm.streams.accounts.columns.nmae: unknown column 'nmae' of customers (did you mean 'name'?)" in message
    assert "extrafields: unknown key 'extrafields' (did you mean 'extra_fields'?)" in message


def test_a_column_fed_by_a_field_that_is_not_requested_is_refused() -> None:
    with pytest.raises(MappingError, match="columns use annual_revenue, which are not requested"):
        parse_stream("accounts", merge_spec(SUITECRM_STREAMS["accounts"], {"columns": {"industry": "annual_revenue"}}), where="x")


def test_a_value_that_does_not_fit_its_column_is_a_record_error_naming_stream_record_and_field(rec: Any) -> None:
    spec, records = _suitecrm(rec, "opportunities", 109, None)  # without vardefs the amount stays text
    records[0]["amount_usdollar"] = "9.900,00 €"
    page = map_records(spec, records, modified=_modified)
    assert len(page.errors) == 1 and len(page.rows["opportunities"]) == len(records) - 1
    error = page.errors[0]
    assert (error.where, error.column, error.record_id) == ("opportunities", "amount", records[0]["id"])
    assert "field 'amount_usdollar'" in error.message and "'9.900,00 €'" in error.message
