"""Raw orders → the per-customer (x, t_x, T, zbar) summary every BTYD model is fitted on.

The conventions are the ones the published CDNOW tables use, so a summary built here can be
checked against them row by row:

* orders on the same calendar day are one purchase (their amounts add up);
* the first purchase starts the customer's clock and is not a *repeat* purchase;
* ``x`` counts repeat purchase days up to and including ``calibration_end``; ``t_x`` is the time
  of the last one and ``T`` the age at ``calibration_end``, both measured from the first purchase
  in units of ``freq_days`` days (7: weeks, as in the papers);
* ``zbar`` is the mean value of the *repeat* purchases only (0 when there are none), because the
  Gamma-Gamma model is specified on them;
* customers whose first purchase falls after ``calibration_end`` do not exist yet and are left out.

Days are calendar days in the timestamps' own time zone (UTC for the store's frames), so a
timestamp's wall-clock date decides which day an order belongs to.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TypeAlias

import numpy as np
import pandas as pd

from scoring.clv.errors import CLVInputError

__all__ = ["rfm_summary"]

DateLike: TypeAlias = str | date | datetime | pd.Timestamp


def _day_number(value: DateLike, name: str, tz: object) -> int:
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise CLVInputError(f"{name}: {value!r} is not a date") from exc
    if ts is pd.NaT:
        raise CLVInputError(f"{name}: {value!r} is not a date")
    if ts.tzinfo is not None:
        ts = ts.tz_convert(tz).tz_localize(None) if tz is not None else ts.tz_convert("UTC").tz_localize(None)
    return int(np.datetime64(ts.normalize().date(), "D").astype(np.int64))


def _check_columns(orders: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in orders.columns]
    if missing:
        raise CLVInputError(
            f"orders: no column {missing[0]!r} (columns: {', '.join(map(str, orders.columns))})"
        )


def _first_bad(mask: pd.Series, column: str, what: str, values: pd.Series) -> None:
    if mask.any():
        pos = int(np.argmax(mask.to_numpy()))
        raise CLVInputError(f"orders: row {mask.index[pos]!r}, column {column!r}: {values.iloc[pos]!r} {what}")


def _days(dates: pd.Series, column: str) -> tuple[np.ndarray, object]:
    """Each order's calendar day as an integer day number, plus the time zone it was read in."""
    if not pd.api.types.is_datetime64_any_dtype(dates):
        raise CLVInputError(
            f"orders: column {column!r} holds {dates.dtype} values, not datetimes; parse it first"
        )
    _first_bad(dates.isna(), column, "is missing; every order needs a date", dates)
    tz = getattr(dates.dt, "tz", None)
    wall = dates.dt.tz_localize(None) if tz is not None else dates
    return wall.to_numpy().astype("datetime64[D]").astype(np.int64), tz


def rfm_summary(
    orders: pd.DataFrame,
    customer_col: str,
    date_col: str,
    amount_col: str | None,
    calibration_end: DateLike,
    *,
    observation_end: DateLike | None = None,
    freq_days: float = 7.0,
) -> pd.DataFrame:
    """One row per customer (index named ``customer_col``, sorted) with ``x``, ``t_x``, ``T`` and ``zbar``.

    With ``observation_end``, the holdout ``(calibration_end, observation_end]`` adds ``x_star``
    (purchase days in the holdout), ``T_star`` (its length) and ``amount_star`` (holdout spend).
    ``amount_col=None`` leaves the money columns out.
    """
    if not freq_days > 0:
        raise CLVInputError(f"freq_days must be > 0, got {freq_days!r}")
    _check_columns(orders, [customer_col, date_col] + ([amount_col] if amount_col is not None else []))
    customers = orders[customer_col]
    _first_bad(customers.isna(), customer_col, "is missing; every order needs a customer", customers)
    day, tz = _days(orders[date_col], date_col)
    if amount_col is not None:
        amounts = orders[amount_col]
        if not pd.api.types.is_numeric_dtype(amounts) or pd.api.types.is_bool_dtype(amounts):
            raise CLVInputError(f"orders: column {amount_col!r} holds {amounts.dtype} values, not numbers")
        _first_bad(amounts.isna() | ~np.isfinite(amounts.astype("float64")), amount_col, "is not a finite amount", amounts)
        money = amounts.to_numpy(dtype=np.float64)
    else:
        money = np.zeros(len(orders))
    cal_end = _day_number(calibration_end, "calibration_end", tz)
    obs_end = None if observation_end is None else _day_number(observation_end, "observation_end", tz)
    if obs_end is not None and obs_end <= cal_end:
        raise CLVInputError(f"observation_end {observation_end!s} must be after calibration_end {calibration_end!s}")

    # Same-day orders are one purchase.
    daily = (
        pd.DataFrame({"customer": customers.to_numpy(), "day": day, "amount": money})
        .groupby(["customer", "day"], sort=True)["amount"].sum()
        .reset_index()
    )
    first_day = daily.groupby("customer")["day"].transform("min")
    daily = daily[first_day <= cal_end].assign(first=first_day[first_day <= cal_end])
    cal = daily[daily["day"] <= cal_end]
    per = cal.groupby("customer").agg(
        n=("day", "size"), first=("first", "first"), last=("day", "max"), total=("amount", "sum")
    )
    first_amount = cal[cal["day"] == cal["first"]].set_index("customer")["amount"]
    x = per["n"].to_numpy() - 1
    out = pd.DataFrame(
        {
            "x": x.astype(np.int64),
            "t_x": (per["last"] - per["first"]).to_numpy() / freq_days,
            "T": (cal_end - per["first"]).to_numpy() / freq_days,
        },
        index=per.index.rename(customer_col),
    )
    if amount_col is not None:
        repeat_total = per["total"].to_numpy() - first_amount.reindex(per.index).to_numpy()
        out["zbar"] = np.where(x > 0, repeat_total / np.maximum(x, 1), 0.0)
    if obs_end is not None:
        hold = daily[(daily["day"] > cal_end) & (daily["day"] <= obs_end)].groupby("customer")
        out["x_star"] = hold.size().reindex(per.index, fill_value=0).to_numpy().astype(np.int64)
        out["T_star"] = (obs_end - cal_end) / freq_days
        if amount_col is not None:
            out["amount_star"] = hold["amount"].sum().reindex(per.index, fill_value=0.0).to_numpy()
    return out
