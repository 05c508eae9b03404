"""RFM quintiles: ordinal ranks, ties broken by customer id, R reversed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.config import RFMSpec
from scoring.indicators import ScoringData
from scoring.rfm import quintile_scores, rfm_scores


def test_score_is_ceil_of_five_times_rank_over_n_with_ties_broken_by_id():
    values = np.array([10.0, 10.0, 10.0, 20.0, 5.0])
    ids = np.array([5, 1, 3, 2, 4])
    # order by (value, id): id4 (5), id1 (10), id3 (10), id5 (10), id2 (20) → ranks 1..5
    assert quintile_scores(values, ids).tolist() == [4, 2, 3, 5, 1]


def test_ranks_spread_over_five_groups_for_any_n():
    ids = np.arange(1, 8)
    # n = 7: ceil(5k/7) for k = 1..7
    assert quintile_scores(np.zeros(7), ids).tolist() == [1, 2, 3, 3, 4, 5, 5]
    assert quintile_scores(np.array([3.0]), np.array([9])).tolist() == [5]
    assert quintile_scores(np.zeros(10), np.arange(10)).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_scores_do_not_depend_on_row_order():
    rng = np.random.default_rng(3)
    values = rng.integers(0, 4, 50).astype(float)  # many ties
    ids = rng.permutation(1000)[:50]
    perm = rng.permutation(50)
    assert quintile_scores(values[perm], ids[perm]).tolist() == quintile_scores(values, ids)[perm].tolist()


def test_rfm_reverses_recency_and_leaves_customers_without_purchases_unscored(build):
    frames = build.frames(
        customers=build.customers([1, 2, 3, 4, 5, 6]),
        orders=build.orders([(1, 1, 10.0), (2, 2, 20.0), (3, 3, 30.0), (4, 4, 40.0), (5, 5, 50.0), (5, 6, 1.0)]),
    )
    rfm = rfm_scores(ScoringData(frames, pd.Timestamp(build.as_of)), RFMSpec(window_days=365))
    assert rfm.r.tolist() == [5, 4, 3, 2, 1, pd.NA]
    assert rfm.f.tolist() == [1, 2, 3, 4, 5, pd.NA]  # equal counts 1,1,1,1 → by id; 5 has two orders
    assert rfm.m.tolist() == [1, 2, 3, 4, 5, pd.NA]
    assert str(rfm.r.dtype) == "Int64"
    assert rfm.has_orders.tolist() == [True] * 5 + [False]


def test_the_most_recent_buyer_gets_r_five_even_in_a_tiny_portfolio(build):
    frames = build.frames(customers=build.customers([7, 3, 9]), orders=build.orders([(7, 30, 1.0), (3, 30, 1.0), (9, 2, 1.0)]))
    rfm = rfm_scores(ScoringData(frames, pd.Timestamp(build.as_of)), RFMSpec())
    # −recency ascending: 3 (−30), 7 (−30; tie → higher id later), 9 (−2) → ranks 1, 2, 3 of n = 3
    assert rfm.r.tolist() == [4, 2, 5]


def test_rfm_window_bounds_frequency_and_monetary_but_not_recency(build):
    frames = build.frames(
        customers=build.customers([1, 2]),
        orders=build.orders([(1, 10, 5.0), (2, 500, 100.0), (2, 600, 100.0), (2, 700, 100.0)]),
    )
    data = ScoringData(frames, pd.Timestamp(build.as_of))
    windowed = rfm_scores(data, RFMSpec(window_days=365))
    assert windowed.raw["frequency"].tolist() == [1, 0]
    assert windowed.raw["recency_days"].tolist() == [10, 500]
    everything = rfm_scores(data, RFMSpec(window_days=None))
    assert everything.raw["frequency"].tolist() == [1, 3]
    assert everything.raw["monetary"].tolist() == [5, 300]
    assert everything.f.tolist() == [3, 5] and windowed.f.tolist() == [5, 3]
