"""The churn the sample hides is there to be found: churners fade, complain and stop buying.

Margins are statistical: a difference must exceed three standard errors computed from the
generated data itself, so the tests hold for any seed without hard-coded figures.
"""

from __future__ import annotations

import math
from datetime import timedelta

import pandas as pd
import pytest

from crmscore.sample import DEFAULT_AS_OF, generate

AS_OF = pd.Timestamp(DEFAULT_AS_OF)


@pytest.fixture(scope="module", params=[42, 2024])
def crm(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    out = tmp_path_factory.mktemp(f"churn{request.param}")
    generate(out, customers=3000, seed=request.param)
    frames = {p.stem: pd.read_csv(p, dtype=str, keep_default_na=False) for p in out.glob("*.csv")}
    truth = frames["sample_truth"].set_index("customer_external_id")
    truth["churned"] = truth["churned"] == "true"
    truth["churned_at"] = pd.to_datetime(truth["churned_at"].replace("", None), utc=True)
    truth["end"] = truth["churned_at"].fillna(AS_OF)
    frames["truth"] = truth
    return frames


def _clearly_greater(a: pd.Series, b: pd.Series, sigmas: float = 3.0) -> bool:
    """Is mean(a) above mean(b) by more than ``sigmas`` standard errors of the difference?"""
    a, b = a.astype(float), b.astype(float)
    se = math.sqrt(a.var() / len(a) + b.var() / len(b))
    return bool(a.mean() - b.mean() > sigmas * se)


def test_some_customers_churned_long_ago_some_recently_and_most_are_active(crm: dict[str, pd.DataFrame]) -> None:
    truth = crm["truth"]
    share = truth["churned"].mean()
    assert 0.1 < share < 0.45
    age = AS_OF - truth.loc[truth["churned"], "churned_at"]
    assert (age > timedelta(days=365)).sum() > 20
    assert (age < timedelta(days=90)).sum() > 20
    assert truth["churn_hazard"].astype(float).gt(0).all()
    # The hazard is what drives churn: churners had the higher latent hazard.
    hazard = truth["churn_hazard"].astype(float)
    assert _clearly_greater(hazard[truth["churned"]], hazard[~truth["churned"]])


@pytest.mark.parametrize(
    ("entity", "column"),
    [("orders", "ordered_at"), ("activities", "occurred_at"), ("cases", "opened_at"), ("survey_responses", "responded_at")],
)
def test_nothing_happens_after_a_customer_churned(crm: dict[str, pd.DataFrame], entity: str, column: str) -> None:
    events = crm[entity]
    when = pd.to_datetime(events[column], utc=True)
    churned_at = events["customer_external_id"].map(crm["truth"]["churned_at"])
    assert churned_at.notna().any()
    assert not (when >= churned_at).any()


def _rate(events: pd.DataFrame, column: str, truth: pd.DataFrame, start_days: int, end_days: int) -> pd.Series:
    """Events per customer between ``start_days`` and ``end_days`` before each customer's end."""
    when = pd.to_datetime(events[column], utc=True)
    age = (events["customer_external_id"].map(truth["end"]) - when).dt.days
    mask = (age >= end_days) & (age < start_days)
    return events[mask.to_numpy()].groupby("customer_external_id").size().reindex(truth.index, fill_value=0)


def test_churners_buy_less_and_less_before_they_leave(crm: dict[str, pd.DataFrame]) -> None:
    truth = crm["truth"]
    orders = crm["orders"][crm["orders"]["kind"] != "refund"]
    created = pd.to_datetime(crm["customers"].set_index("external_id")["created_at"], utc=True)
    seasoned = (truth["end"] - created.reindex(truth.index)).dt.days >= 450
    recent = _rate(orders, "ordered_at", truth, 90, 0)[seasoned] / 90
    before = _rate(orders, "ordered_at", truth, 450, 270)[seasoned] / 180
    buyers = before > 0
    slowdown = (recent / before)[buyers]
    churned = truth["churned"][seasoned][buyers]
    assert churned.sum() > 30 and (~churned).sum() > 30
    assert _clearly_greater(slowdown[~churned], slowdown[churned])
    assert slowdown[churned].mean() < 0.75 * slowdown[~churned].mean()


def test_churners_reach_out_less_in_their_last_months(crm: dict[str, pd.DataFrame]) -> None:
    truth = crm["truth"]
    inbound = crm["activities"][crm["activities"]["direction"] == "inbound"]
    last = _rate(inbound, "occurred_at", truth, 120, 0) / 120
    assert _clearly_greater(last[~truth["churned"]], last[truth["churned"]])


def test_churners_complain_more(crm: dict[str, pd.DataFrame]) -> None:
    cases = crm["cases"]
    churned = cases["customer_external_id"].map(crm["truth"]["churned"]).astype(bool)
    complaint = (cases["is_complaint"] == "true").astype(float)
    assert _clearly_greater(complaint[churned], complaint[~churned])


@pytest.mark.parametrize("survey", ["csat", "nps"])
def test_churners_are_less_satisfied(crm: dict[str, pd.DataFrame], survey: str) -> None:
    rows = crm["survey_responses"][crm["survey_responses"]["survey"] == survey]
    churned = rows["customer_external_id"].map(crm["truth"]["churned"]).astype(bool)
    score = rows["score"].astype(float)
    assert churned.sum() > 30
    assert _clearly_greater(score[~churned], score[churned])


def test_only_churners_are_ever_flagged_inactive(crm: dict[str, pd.DataFrame]) -> None:
    customers = crm["customers"].set_index("external_id")
    inactive = customers.index[customers["active"] == "false"]
    assert len(inactive) > 0
    assert crm["truth"].loc[inactive, "churned"].all()
    # ...but not every churner: the CRM flag lags, so scoring cannot just read it.
    assert (customers.loc[crm["truth"].index[crm["truth"]["churned"]], "active"] == "true").any()


def test_loyal_customers_buy_across_more_categories(crm: dict[str, pd.DataFrame]) -> None:
    lines = crm["order_lines"].merge(
        crm["orders"][["external_id", "customer_external_id"]], left_on="order_external_id", right_on="external_id"
    )
    per_category = lines.groupby(["customer_external_id", "category"]).size()
    total = per_category.groupby(level=0).sum()
    # How concentrated each customer's buying is: the share of lines in its top category.
    focus = (per_category.groupby(level=0).max() / total)[total >= 10]
    hazard = crm["truth"]["churn_hazard"].astype(float).reindex(focus.index)
    loyal, fickle = hazard <= hazard.median(), hazard > hazard.median()
    assert _clearly_greater(focus[fickle], focus[loyal])
