"""``crmscore clv``: fit the CLV models to an orders file and print the fit as JSON.

This is the file-reading edge of :mod:`scoring.clv` (which reads nothing itself). Every problem a
user can fix — a missing column, an unparseable date or amount — becomes one line naming the
file, line and column (:class:`~crmscore.errors.UserFacingError`, exit status 2). A fit that ends
on a boundary or does not converge still prints its JSON, so its status and warnings can be read,
and exits with status 1.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import IO, Any, TypeVar

import click
import pandas as pd

from crmscore.errors import UserFacingError

__all__ = ["clv", "fit_orders", "read_orders"]

F = TypeVar("F", bound=Callable[..., Any])
#: Purchase models by their --model name (SciPy is imported only when a command runs).
MODELS = ("bgnbd", "pareto")


class _OneLineError(click.ClickException):
    """Prints ``error: <message>`` and exits 2, like the rest of the crmscore CLI."""

    exit_code = 2

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"error: {self.message}", err=True)


def _one_line_errors(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except UserFacingError as exc:
            raise _OneLineError(str(exc)) from exc

    return wrapper  # type: ignore[return-value]


def _line(row: int) -> int:
    """The file line of a data row (line 1 is the header)."""
    return row + 2


def read_orders(
    path: Path, customer_col: str, date_col: str, amount_col: str, date_format: str | None = None
) -> pd.DataFrame:
    """Read an orders CSV into (customer, date, amount) columns, refusing bad rows with their line."""
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise UserFacingError(f"{path}: cannot read it as CSV ({str(exc).splitlines()[0]})") from exc
    for column in (customer_col, date_col, amount_col):
        if column not in raw.columns:
            raise UserFacingError(f"{path}: no column {column!r} (columns: {', '.join(raw.columns)})")
    if raw.empty:
        raise UserFacingError(f"{path}: no orders (only a header)")
    customers = raw[customer_col].str.strip()
    if (customers == "").any():
        row = int((customers == "").to_numpy().argmax())
        raise UserFacingError(f"{path}: line {_line(row)}, column {customer_col!r}: the customer is empty")
    text = raw[date_col].str.strip()
    try:
        dates = pd.to_datetime(text, format=date_format or "ISO8601", errors="coerce", utc=True)
    except ValueError as exc:
        raise UserFacingError(f"{path}: column {date_col!r}: bad --date-format {date_format!r} ({exc})") from exc
    if dates.isna().any():
        row = int(dates.isna().to_numpy().argmax())
        expected = f"format {date_format}" if date_format else "ISO 8601 (YYYY-MM-DD); pass --date-format otherwise"
        raise UserFacingError(
            f"{path}: line {_line(row)}, column {date_col!r}: {text.iloc[row]!r} is not a date in {expected}"
        )
    amounts = pd.to_numeric(raw[amount_col].str.strip(), errors="coerce")
    bad = amounts.isna() | ~amounts.abs().lt(math.inf)
    if bad.any():
        row = int(bad.to_numpy().argmax())
        raise UserFacingError(
            f"{path}: line {_line(row)}, column {amount_col!r}: {raw[amount_col].iloc[row]!r} is not a number"
        )
    return pd.DataFrame({"customer": customers, "date": dates, "amount": amounts.astype("float64")})


def fit_orders(
    orders: pd.DataFrame, calibration_end: datetime, *, model: str = "bgnbd", freq_days: float = 7.0
) -> dict[str, Any]:
    """Summarise orders and fit the purchase model and Gamma-Gamma; a JSON-ready report."""
    from scoring.clv import (
        CLVInputError,
        FitResult,
        fit_bgnbd,
        fit_gamma_gamma,
        fit_paretonbd,
        rfm_summary,
    )

    try:
        summary = rfm_summary(orders, "customer", "date", "amount", calibration_end.date(), freq_days=freq_days)
    except CLVInputError as exc:
        raise UserFacingError(str(exc)) from exc
    if summary.empty:
        raise UserFacingError(f"no customer made a first purchase on or before {calibration_end:%Y-%m-%d}")
    fit_purchases: Callable[..., FitResult[Any]] = fit_paretonbd if model == "pareto" else fit_bgnbd
    purchases = fit_purchases(summary["x"], summary["t_x"], summary["T"], raise_on_failure=False)
    try:
        spend: FitResult[Any] = fit_gamma_gamma(summary["x"], summary["zbar"], raise_on_failure=False)
    except CLVInputError as exc:
        raise UserFacingError(f"cannot fit spend: {exc}") from exc
    return {
        "calibration_end": f"{calibration_end:%Y-%m-%d}",
        "time_unit_days": freq_days,
        "customers": len(summary),
        "repeat_buyers": int((summary["x"] > 0).sum()),
        "purchases": purchases.to_dict(),
        "spend": spend.to_dict(),
    }


def _json_safe(value: Any) -> Any:
    """NaN/inf are not JSON; report them as null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


@click.group(name="clv")
def clv() -> None:
    """Customer lifetime value: BG/NBD or Pareto/NBD purchases and Gamma-Gamma spend."""


@clv.command("fit")
@click.option("--orders", "orders_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path), help="CSV of orders, one per line.")
@click.option("--customer-col", required=True, help="Column holding the customer id.")
@click.option("--date-col", required=True, help="Column holding the order date.")
@click.option("--amount-col", required=True, help="Column holding the order value.")
@click.option("--calibration-end", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day (inclusive) the models learn from.")
@click.option("--model", type=click.Choice(MODELS), default="bgnbd", show_default=True, help="Purchase model.")
@click.option("--date-format", default=None, help="strptime format of the dates, e.g. %Y%m%d (default: ISO 8601).")
@click.option("--freq-days", default=7.0, show_default=True, type=click.FloatRange(min=0, min_open=True), help="Days per time unit (7: weeks).")
@_one_line_errors
def fit(
    orders_path: Path,
    customer_col: str,
    date_col: str,
    amount_col: str,
    calibration_end: datetime,
    model: str,
    date_format: str | None,
    freq_days: float,
) -> None:
    """Fit the models to the orders up to --calibration-end and print parameters, log-likelihood and diagnostics as JSON."""
    orders = read_orders(orders_path, customer_col, date_col, amount_col, date_format)
    report = fit_orders(orders, calibration_end, model=model, freq_days=freq_days)
    click.echo(json.dumps(_json_safe(report), indent=2, allow_nan=False))
    failed = [part for part in ("purchases", "spend") if report[part]["status"] != "converged"]
    if failed:
        details = "; ".join(f"{report[p]['model']} fit status {report[p]['status']}" for p in failed)
        click.echo(f"error: {details} (see \"warnings\" in the JSON)", err=True)
        raise click.exceptions.Exit(1)
