"""Churn labels at a snapshot: who was live at t, and who churned in (t, t + horizon].

Times are days before t = AS_OF (negative = after t).
"""

from __future__ import annotations

import pandas as pd
import pytest

from scoring.churn import (
    ChurnDefinition,
    churn_dataset,
    churn_labels,
    snapshot_features,
    time_split,
)

DEF = ChurnDefinition(kind="inactivity", horizon_days=60, inactivity_days=30)


def test_inactivity_labels_use_orders_and_activities_and_skip_customers_already_gone(
    build,
) -> None:  # type: ignore[no-untyped-def]
    frames = build.frames(
        customers=build.customers([1, 2, 3, 4]),
        orders=build.orders([(1, 5, 10.0), (2, 5, 10.0), (3, 40, 10.0)]),
        activities=build.activities(
            [(1, -45), (4, 3)]
        ),  # 1 is seen again in (t+30, t+60]
    )
    labels = churn_labels(frames, pd.Timestamp(build.as_of), DEF)
    assert labels.eligible.tolist() == [True, True, False, True]
    assert labels.churned.tolist() == [False, True, False, True]


def test_customers_created_after_the_snapshot_are_not_eligible(build) -> None:  # type: ignore[no-untyped-def]
    frames = build.frames(
        customers=build.customers([1], created_days_ago=-5),
        orders=build.orders([(1, -3, 1.0)]),
    )
    assert not churn_labels(frames, pd.Timestamp(build.as_of), DEF).eligible.any()


def test_contract_end_labels_need_a_contract_end_column(build) -> None:  # type: ignore[no-untyped-def]
    frames = build.frames(customers=build.customers([1]))
    with pytest.raises(
        ValueError, match="frames.customers has no 'contract_end' column"
    ):
        churn_labels(
            frames, pd.Timestamp(build.as_of), ChurnDefinition(kind="contract_end")
        )


def test_contract_end_inside_the_horizon_is_churn(build) -> None:  # type: ignore[no-untyped-def]
    customers = build.customers([1, 2, 3])
    t = pd.Timestamp(build.as_of)
    customers["contract_end"] = [
        t + pd.Timedelta(days=30),
        t + pd.Timedelta(days=400),
        t - pd.Timedelta(days=1),
    ]
    labels = churn_labels(
        build.frames(customers=customers),
        t,
        ChurnDefinition(kind="contract_end", horizon_days=90),
    )
    assert labels.eligible.tolist() == [True, True, False]
    assert labels.churned.tolist() == [True, False, False]


def test_an_unknown_churn_kind_is_named() -> None:
    with pytest.raises(
        ValueError,
        match="churn.kind: 'gone' is not one of inactivity, p_alive, contract_end",
    ):
        ChurnDefinition(kind="gone")


def test_features_at_a_snapshot_ignore_later_orders(build) -> None:  # type: ignore[no-untyped-def]
    frames = build.frames(
        customers=build.customers([1]),
        orders=build.orders([(1, 10, 5.0), (1, -20, 7.0)]),
    )
    config = build.config([{"key": "spend", "kind": "monetary", "weight": 1}])
    feats = snapshot_features(frames, config, build.as_of)
    assert feats.loc[0, "spend"] == pytest.approx(5.0)
    assert feats.loc[0, "recency_days"] == pytest.approx(10.0)


def test_the_time_split_tests_on_the_newest_snapshot_and_calibrates_on_the_one_before(
    build,
) -> None:  # type: ignore[no-untyped-def]
    frames = build.frames(
        customers=build.customers([1, 2]),
        orders=build.orders(
            [(1, d, 1.0) for d in range(400, -1, -20)] + [(2, 400, 1.0)]
        ),
    )
    t = pd.Timestamp(build.as_of)
    dates = [t - pd.Timedelta(days=d) for d in (240, 180, 120, 60)]
    data = churn_dataset(
        frames,
        build.config([{"key": "spend", "kind": "monetary", "weight": 1}]),
        dates,
        DEF,
    )
    split = time_split(data)
    assert set(split.test["snapshot"]) == {dates[-1]}
    assert set(split.calibrate["snapshot"]) == {dates[-2]}
    assert split.train["snapshot"].max() == dates[1]
