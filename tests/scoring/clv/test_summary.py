"""Raw orders → (x, t_x, T, zbar): the aggregation every CLV number rests on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring.clv import CLVInputError, rfm_summary


def orders(rows: list[tuple[str, str, float]], tz: str | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer", "when", "amount"])
    frame["when"] = pd.to_datetime(frame["when"])
    if tz is not None:
        frame["when"] = frame["when"].dt.tz_localize(tz)
    return frame


def test_the_summary_built_from_raw_cdnow_orders_matches_the_shipped_summary_row_for_row(
    cdnow: pd.DataFrame, published_summary: pd.DataFrame
) -> None:
    assert list(cdnow.index) == list(published_summary.index)
    for column in ("x", "t_x", "T"):
        mismatches = int((cdnow[column].round(2) != published_summary[column]).sum())
        assert mismatches == 0, column
    assert float((cdnow["zbar"] - published_summary["zbar"]).abs().max()) <= 0.01


def test_rounding_zbar_half_up_to_cents_reproduces_the_shipped_file_exactly(
    cdnow: pd.DataFrame, published_summary: pd.DataFrame
) -> None:
    # The shipped file rounds half-cents up (22.345 → 22.35); Python's round() would give 22.34.
    cents = np.floor(cdnow["zbar"] * 100 + 0.5 + 1e-9) / 100
    assert int((cents != published_summary["zbar"]).sum()) == 0


def test_the_holdout_has_the_papers_1882_repeat_purchases_334_of_them_by_the_1411_zero_repeaters(
    cdnow: pd.DataFrame,
) -> None:
    assert int(cdnow["x"].sum()) == 2457
    assert int(cdnow["x_star"].sum()) == 1882
    zero = cdnow[cdnow["x"] == 0]
    assert (len(zero), int(zero["x_star"].sum())) == (1411, 334)
    assert set(cdnow["T_star"]) == {39.0}


def test_same_day_orders_are_one_purchase_whose_amounts_add_up() -> None:
    out = rfm_summary(
        orders([("a", "2024-01-01 09:00", 10.0), ("a", "2024-01-08 10:00", 5.0), ("a", "2024-01-08 18:00", 7.0)]),
        "customer", "when", "amount", "2024-01-15",
    )
    assert out.loc["a", "x"] == 1
    assert out.loc["a", "t_x"] == pytest.approx(1.0)
    assert out.loc["a", "T"] == pytest.approx(2.0)
    assert out.loc["a", "zbar"] == pytest.approx(12.0)


def test_zbar_averages_repeat_purchases_only_and_is_zero_without_any() -> None:
    out = rfm_summary(
        orders([("a", "2024-01-01", 100.0), ("a", "2024-01-02", 10.0), ("a", "2024-01-03", 20.0), ("b", "2024-01-01", 50.0)]),
        "customer", "when", "amount", "2024-01-10", freq_days=1,
    )
    assert out.loc["a", ["x", "t_x", "T", "zbar"]].tolist() == [2, 2.0, 9.0, 15.0]
    assert out.loc["b", ["x", "t_x", "zbar"]].tolist() == [0, 0.0, 0.0]


def test_customers_who_first_buy_after_calibration_end_do_not_exist_yet_and_later_orders_only_count_in_the_holdout() -> None:
    out = rfm_summary(
        orders([("a", "2024-01-01", 1.0), ("a", "2024-01-20", 1.0), ("late", "2024-01-11", 1.0)]),
        "customer", "when", "amount", "2024-01-10", observation_end="2024-01-31", freq_days=1,
    )
    assert list(out.index) == ["a"]
    assert out.loc["a", ["x", "x_star", "T_star", "amount_star"]].tolist() == [0, 1, 21.0, 1.0]


def test_the_calibration_end_day_is_included_whatever_the_time_of_day() -> None:
    out = rfm_summary(
        orders([("a", "2024-01-01 00:00", 1.0), ("a", "2024-01-10 23:59", 1.0)]),
        "customer", "when", "amount", "2024-01-10", freq_days=1,
    )
    assert out.loc["a", ["x", "t_x", "T"]].tolist() == [1, 9.0, 9.0]


def test_utc_timestamps_from_the_store_are_bucketed_by_their_utc_day() -> None:
    frame = orders([("a", "2024-01-01 23:30", 1.0), ("a", "2024-01-02 00:30", 1.0)], tz="UTC")
    frame["when"] = frame["when"].astype("datetime64[us, UTC]")
    out = rfm_summary(frame, "customer", "when", "amount", "2024-01-05", freq_days=1)
    assert out.loc["a", ["x", "t_x", "T"]].tolist() == [1, 1.0, 4.0]


def test_a_missing_column_is_named_with_the_columns_there_are() -> None:
    with pytest.raises(CLVInputError, match=r"no column 'value' \(columns: customer, when, amount\)"):
        rfm_summary(orders([("a", "2024-01-01", 1.0)]), "customer", "when", "value", "2024-01-05")


def test_text_dates_are_refused_rather_than_guessed() -> None:
    frame = pd.DataFrame({"customer": ["a"], "when": ["01/02/2024"], "amount": [1.0]})
    with pytest.raises(CLVInputError, match="column 'when' holds .* not datetimes"):
        rfm_summary(frame, "customer", "when", "amount", "2024-01-05")


def test_a_missing_date_or_amount_names_its_row() -> None:
    frame = orders([("a", "2024-01-01", 1.0), ("b", "2024-01-02", 2.0)])
    frame.loc[1, "when"] = pd.NaT
    with pytest.raises(CLVInputError, match="row 1, column 'when'"):
        rfm_summary(frame, "customer", "when", "amount", "2024-01-05")
    frame = orders([("a", "2024-01-01", 1.0), ("b", "2024-01-02", float("nan"))])
    with pytest.raises(CLVInputError, match="row 1, column 'amount'"):
        rfm_summary(frame, "customer", "when", "amount", "2024-01-05")


def test_an_observation_end_not_after_calibration_end_is_refused() -> None:
    with pytest.raises(CLVInputError, match="must be after calibration_end"):
        rfm_summary(orders([("a", "2024-01-01", 1.0)]), "customer", "when", "amount", "2024-01-05", observation_end="2024-01-05")
