"""The KPI inputs' column contract fails early and by name; a segment narrows only per-customer rows."""

from __future__ import annotations

import pandas as pd
import pytest

from scoring.kpis import KPI_INPUT_COLUMNS, KpiInputs, segment_customers


def test_empty_inputs_have_every_column_and_pass_the_check():
    inputs = KpiInputs.empty()
    inputs.check()
    for name, columns in KPI_INPUT_COLUMNS.items():
        assert list(getattr(inputs, name).columns) == list(columns)


def test_a_missing_column_is_named_with_its_frame(orders):
    with pytest.raises(ValueError, match=r"kpi inputs\.orders: missing column\(s\) amount"):
        KpiInputs.empty(orders=orders.drop(columns="amount")).check()


def test_naive_timestamps_are_refused_by_name(surveys):
    naive = surveys.assign(responded_at=surveys["responded_at"].dt.tz_localize(None))
    with pytest.raises(ValueError, match=r"kpi inputs\.surveys\.responded_at: expected timezone-aware UTC"):
        KpiInputs.empty(surveys=naive).check()


def test_for_customers_narrows_orders_surveys_and_cases_but_not_leads_or_campaigns(
    orders, leads, campaigns, surveys, cases
):
    inputs = KpiInputs(orders=orders, leads=leads, campaigns=campaigns, surveys=surveys, cases=cases)
    only = inputs.for_customers(pd.Index([2, 5]))
    assert set(only.orders["customer_id"]) == {2, 5}
    assert set(only.surveys["customer_id"]) == {2, 5} and set(only.cases["customer_id"]) == {2, 5}
    assert only.leads is leads and only.campaigns is campaigns


def test_segment_customers_reads_the_mapping_and_refuses_unknown_names():
    segment_of = pd.Series({10: "a", 11: "b", 12: "a", 13: None})
    assert segment_customers(segment_of, "a").tolist() == [10, 12]
    with pytest.raises(ValueError, match=r"unknown segment 'c' \(segments: a, b\)"):
        segment_customers(segment_of, "c")
    with pytest.raises(ValueError, match=r"\(segments: none\)"):
        segment_customers(pd.Series(dtype="str"), "a")
