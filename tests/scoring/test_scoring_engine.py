"""score_customers end to end: hand-checked results, the points identity, purity, and the contract."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from crmscore.config import DEFAULT_CONFIG_PATH, load_config
from scoring import CRMFrames, FramesError, score_customers

RECENCY = {
    "key": "recency",
    "kind": "recency",
    "direction": "lower_is_better",
    "normalise": {"method": "minmax", "min": 0, "max": 100},
    "weight": 1,
}
NPS = {"key": "nps", "kind": "nps", "normalise": {"method": "minmax", "min": 0, "max": 10}, "weight": 3}


@pytest.fixture
def small(build):
    """1 bought 10 days ago and promotes; 2 never bought but answered 8; 3 bought 50 days ago; 4 nothing."""
    return build.frames(
        customers=build.customers([1, 2, 3, 4]),
        orders=build.orders([(1, 10, 100.0), (3, 50, 40.0)]),
        surveys=build.surveys([(1, "nps", 10, 5), (2, "nps", 8, 5)]),
    )


def _by_customer(result, column):
    return dict(zip(result.scores["customer_id"], result.scores[column], strict=True))


def test_health_is_the_weighted_mean_of_the_available_indicator_scores(build, small):
    result = score_customers(small, build.config([RECENCY, NPS]), build.as_of)
    assert _by_customer(result, "health_score") == pytest.approx(
        {1: (90 + 3 * 100) / 4, 2: 80.0, 3: 50.0, 4: np.nan}, nan_ok=True
    )


def test_missing_policy_default_scores_the_missing_indicator_instead_of_dropping_it(build, small):
    recency = {**RECENCY, "missing": {"policy": "default", "score": 0}}
    result = score_customers(small, build.config([recency, NPS]), build.as_of)
    assert _by_customer(result, "health_score") == pytest.approx({1: 97.5, 2: (0 + 3 * 80) / 4, 3: 50.0, 4: 0.0})
    rows = result.indicators.set_index(["customer_id", "key"])
    assert np.isnan(rows.loc[(2, "recency"), "value"])  # the raw value stays missing
    assert rows.loc[(2, "recency"), "score"] == 0.0
    assert rows.loc[(2, "recency"), "points"] == pytest.approx(0.25 * -50)


def test_excluded_indicators_have_missing_score_and_points(build, small):
    result = score_customers(small, build.config([RECENCY, NPS]), build.as_of)
    row = result.indicators.set_index(["customer_id", "key"]).loc[(3, "nps")]
    assert np.isnan(row["value"]) and np.isnan(row["score"]) and np.isnan(row["points"])


def test_bands_segments_and_rfm_scores_come_out_per_customer(build, small):
    config = build.config(
        [RECENCY, NPS],
        bands=[{"name": "Low", "min": 0}, {"name": "High", "min": 60}],
        segments={"kind": "preset", "preset": "rfm_rf_10", "no_purchases": "Prospects"},
    )
    result = score_customers(small, config, build.as_of)
    s = result.scores.set_index("customer_id")
    assert s["band"].tolist()[:3] == ["High", "High", "Low"] and pd.isna(s.loc[4, "band"])
    assert s.loc[2, "segment"] == s.loc[4, "segment"] == "Prospects"
    # two buyers: 1 (10 days, 1 order, 100) and 3 (50 days, 1 order, 40); ties broken by id
    assert (s.loc[1, "r_score"], s.loc[1, "f_score"], s.loc[1, "m_score"]) == (5, 3, 5)
    assert (s.loc[3, "r_score"], s.loc[3, "f_score"], s.loc[3, "m_score"]) == (3, 5, 3)
    assert s.loc[1, "segment"] == "Potential Loyalists" and s.loc[3, "segment"] == "Loyal Customers"
    assert s["r_score"].isna().tolist() == [False, True, False, True]


def test_output_frames_have_the_documented_columns_and_types(build, small):
    result = score_customers(small, build.config([RECENCY, NPS]), build.as_of)
    assert list(result.scores.columns) == [
        "customer_id",
        "health_score",
        "band",
        "segment",
        "r_score",
        "f_score",
        "m_score",
        "scorecard",
    ]
    assert result.scores["scorecard"].tolist() == ["default"] * 4  # no scorecards: the implicit one
    assert list(result.groups.columns) == ["customer_id", "scorecard", "group", "score"]
    assert [str(result.scores[c].dtype) for c in ("r_score", "f_score", "m_score")] == ["Int64"] * 3
    assert result.scores["health_score"].dtype == np.float64
    assert list(result.indicators.columns) == ["customer_id", "key", "value", "score", "points"]
    assert len(result.indicators) == 4 * 2
    assert list(result.indicators["key"].cat.categories) == ["recency", "nps"]
    assert result.labels.to_dict("records") == [
        {"customer_id": 1, "key": "nps", "label": "promoter"},
        {"customer_id": 2, "key": "nps", "label": "passive"},
    ]
    assert result.rfm.columns.tolist() == ["customer_id", "recency_days", "frequency", "monetary"]


def _portfolio(build, n=300, seed=11):
    """A few hundred customers with random orders, cases, activities and survey answers."""
    rng = np.random.default_rng(seed)
    ids = rng.permutation(np.arange(1, 5 * n))[:n]

    def owners(size):
        return [int(i) for i in ids[rng.integers(0, n, size)]]

    def days(size, upto):
        return [float(d) for d in rng.uniform(0, upto, size)]

    kinds = rng.choice(["order", "invoice", "refund"], 6 * n, p=[0.8, 0.1, 0.1])
    amounts = rng.lognormal(3, 1, 6 * n) * np.where(kinds == "refund", -1, 1)
    order_days = [d - 30 for d in days(6 * n, 830)]  # some orders fall after as_of
    csat = [int(s) for s in rng.integers(1, 6, n)]
    nps = [int(s) for s in rng.integers(0, 11, n)]
    return build.frames(
        customers=build.customers(ids.tolist(), dict(zip(ids.tolist(), days(n, 900), strict=True))),
        orders=build.orders(zip(owners(6 * n), order_days, amounts.tolist(), kinds.tolist(), strict=True)),
        cases=build.cases(zip(owners(n), days(n, 500), (rng.random(n) < 0.4).tolist(), strict=True)),
        activities=build.activities(zip(owners(4 * n), days(4 * n, 400), strict=True)),
        surveys=build.surveys(
            [(c, "csat", s, d) for c, s, d in zip(owners(n), csat, days(n, 500), strict=True)]
            + [(c, "nps", s, d) for c, s, d in zip(owners(n), nps, days(n, 500), strict=True)]
        ),
    )


def test_health_equals_fifty_plus_the_sum_of_points_for_every_customer(build):
    frames = _portfolio(build)
    result = score_customers(frames, load_config(DEFAULT_CONFIG_PATH), build.as_of)
    points = result.indicators.groupby("customer_id", observed=True)["points"].sum(min_count=1)
    health = result.scores.set_index("customer_id")["health_score"]
    scored = health.notna()
    assert scored.sum() > 250  # the identity is checked on real work, not on an empty frame
    gap = (health[scored] - (50 + points.reindex(health.index)[scored])).abs()
    assert gap.max() < 1e-9
    assert points.reindex(health.index)[~scored].isna().all()


def test_every_score_of_the_default_config_stays_within_zero_and_one_hundred(build):
    result = score_customers(_portfolio(build), load_config(DEFAULT_CONFIG_PATH), build.as_of)
    assert result.scores["health_score"].dropna().between(0, 100).all()
    assert result.indicators["score"].dropna().between(0, 100).all()
    assert set(result.scores["band"].dropna()) <= {"At risk", "Watch", "Healthy", "Champion"}


def test_scoring_does_not_modify_its_inputs(build):
    frames = _portfolio(build)
    before = {name: frame.copy(deep=True) for name, frame in vars(frames).items()}
    config = load_config(DEFAULT_CONFIG_PATH)
    raw = copy.deepcopy(config.raw)
    score_customers(frames, config, build.as_of)
    for name, frame in vars(frames).items():
        pd.testing.assert_frame_equal(frame, before[name], check_exact=True)
    assert config.raw == raw


def test_events_after_as_of_change_nothing(build):
    frames = _portfolio(build)
    earlier = build.as_of - timedelta(days=60)
    cut = CRMFrames(
        customers=frames.customers,
        orders=frames.orders[frames.orders["ordered_at"] <= earlier],
        order_lines=frames.order_lines,
        cases=frames.cases[frames.cases["opened_at"] <= earlier],
        activities=frames.activities[frames.activities["occurred_at"] <= earlier],
        surveys=frames.surveys[frames.surveys["responded_at"] <= earlier],
    )
    config = load_config(DEFAULT_CONFIG_PATH)
    full, trimmed = score_customers(frames, config, earlier), score_customers(cut, config, earlier)
    pd.testing.assert_frame_equal(full.scores, trimmed.scores)
    pd.testing.assert_frame_equal(full.indicators, trimmed.indicators)


def test_empty_frames_give_empty_results_with_their_columns(build):
    result = score_customers(CRMFrames.empty(), build.config([RECENCY, NPS]), build.as_of)
    assert result.scores.empty and "customer_id" in result.scores.columns
    assert result.indicators.empty and result.labels.empty


def test_tables_with_no_rows_may_come_untyped(build, small):
    untyped = {
        name: pd.DataFrame({c: pd.Series([], dtype=object) for c in getattr(small, name).columns})
        for name in ("orders", "cases", "surveys")
    }
    result = score_customers(CRMFrames.empty(customers=small.customers, **untyped), build.config([RECENCY, NPS]), build.as_of)
    assert result.scores["health_score"].isna().all()
    assert (result.scores["segment"] == "No Purchases").all()


def test_a_naive_as_of_is_refused(build, small):
    with pytest.raises(ValueError, match="as_of must be timezone-aware"):
        score_customers(small, build.config([RECENCY]), datetime(2025, 1, 1))


def test_frames_breaking_the_contract_are_named(build, small):
    no_amount = CRMFrames.empty(customers=small.customers, orders=small.orders.drop(columns="amount"))
    with pytest.raises(FramesError, match=r"^frames.orders: missing column\(s\) amount$"):
        score_customers(no_amount, build.config([RECENCY]), build.as_of)
    naive = small.orders.assign(ordered_at=small.orders["ordered_at"].dt.tz_localize(None))
    with pytest.raises(FramesError, match=r"frames.orders.ordered_at: expected timezone-aware UTC"):
        score_customers(CRMFrames.empty(orders=naive), build.config([RECENCY]), build.as_of)
    twice = pd.concat([small.customers, small.customers.iloc[[2]]], ignore_index=True)
    with pytest.raises(FramesError, match="customer id 3 appears more than once"):
        score_customers(CRMFrames.empty(customers=twice), build.config([RECENCY]), build.as_of)


def test_missing_policy_penalise_scores_a_missing_indicator_zero(build, small):
    nps = {**NPS, "missing": {"policy": "penalise"}}
    result = score_customers(small, build.config([RECENCY, nps]), build.as_of)
    # 3 bought but never answered: nps counts as 0 with weight 3 → (50·1 + 0·3)/4
    assert _by_customer(result, "health_score")[3] == pytest.approx(12.5)
    assert result.indicators.set_index(["customer_id", "key"]).loc[(3, "nps"), "score"] == 0.0


@pytest.mark.parametrize("name", ["default", "b2b", "b2c"])
def test_every_shipped_config_scores_within_range_and_points_explain_each_score(build, name):
    config = load_config(DEFAULT_CONFIG_PATH.with_name(f"{name}.yaml"))
    result = score_customers(_portfolio(build), config, build.as_of)
    health = result.scores.set_index("customer_id")["health_score"]
    points = result.indicators.groupby("customer_id", observed=True)["points"].sum(min_count=1).reindex(health.index)
    scored = health.notna()
    assert scored.sum() > 250
    assert (health[scored] - (50 + points[scored])).abs().max() < 1e-9
    assert health[scored].between(0, 100).all()
    bands = {b.name for card in config.cards for b in card.scheme.bands}
    assert set(result.scores["band"].dropna()) <= bands
    assert set(result.scores["scorecard"]) <= {card.key for card in config.cards}
