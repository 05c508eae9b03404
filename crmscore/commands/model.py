"""``crmscore model …``: train and report the churn model, backtest the health score, evaluate an A/B test.

Wire it into the main CLI with ``cli.add_command(model)``. Errors a user can fix (no customers, a
bad file or column) print as one ``error:`` line with exit status 2 via ``crmscore.cli``'s handler.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click
import pandas as pd
from rich.table import Table

from crmscore.commands.common import console, friendly, open_engine
from crmscore.errors import UserFacingError

__all__ = ["model"]

F = TypeVar("F", bound=Callable[..., Any])


def _friendly(fn: F) -> F:
    """ValueErrors from the model code are user errors; then ``crmscore.cli``'s handler prints them."""

    @functools.wraps(fn)
    def inner(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ValueError as exc:
            raise UserFacingError(str(exc)) from None

    return friendly(inner)  # type: ignore[return-value]


def _out() -> Any:
    return console


_engine = open_engine


def _definition(
    churn: str, horizon_days: int, inactivity_days: int, p_alive: float
) -> Any:
    from scoring.churn import ChurnDefinition

    return ChurnDefinition(
        kind=churn,
        horizon_days=horizon_days,
        inactivity_days=inactivity_days,
        p_alive_threshold=p_alive,
    )


def _churn_options(fn: F) -> F:
    fn = click.option(
        "--churn",
        type=click.Choice(["inactivity", "p_alive", "contract_end"]),
        default="inactivity",
        show_default=True,
        help="What counts as churn.",
    )(fn)
    fn = click.option(
        "--horizon-days",
        type=int,
        default=90,
        show_default=True,
        help="Churn is looked for in (t, t + horizon].",
    )(fn)
    fn = click.option(
        "--inactivity-days",
        type=int,
        default=90,
        show_default=True,
        help="inactivity: quiet for longer than this.",
    )(fn)
    fn = click.option(
        "--p-alive",
        type=float,
        default=0.5,
        show_default=True,
        help="p_alive: churned below this P(alive).",
    )(fn)
    return click.option(
        "--config",
        "config_file",
        type=click.Path(path_type=Path),
        default=None,
        help="Config file (default: the active version, else the shipped default).",
    )(fn)


def _config(config_file: Path | None) -> Any:
    if config_file is None:
        return None
    from crmscore.config import load_config

    return load_config(config_file)


def print_report(meta: dict[str, Any]) -> None:
    """AUC, PR AUC, calibration table and (on the sample CRM) the true-hazard AUC."""
    out = _out()
    m = meta["metrics"]
    out.print(
        f"churn model v{meta.get('version', '?')} ({meta['kind']}; churn = {meta['definition_text']})",
        highlight=False,
    )
    out.print(
        f"held-out snapshot: {m['customers']:,} customers, {m['churners']:,} churned",
        highlight=False,
    )
    out.print(f"ROC AUC {m['roc_auc']:.3f}   PR AUC {m['pr_auc']:.3f}", highlight=False)
    if meta.get("ceiling_auc") is not None:
        out.print(
            f"true-hazard AUC (sample generator's ceiling for a who-you-are model) {meta['ceiling_auc']:.3f}",
            highlight=False,
        )
    table = Table(
        title=f"calibration ({meta.get('calibration') or 'none'})", title_justify="left"
    )
    for col in ("probability", "customers", "mean predicted", "observed"):
        table.add_column(col, justify="right")
    for row in m["calibration"]:
        table.add_row(
            f"{row['p_from']:.1f}–{row['p_to']:.1f}",
            f"{row['customers']:,}",
            f"{row['mean_predicted']:.3f}",
            f"{row['observed_rate']:.3f}",
        )
    out.print(table)


@click.group()
def model() -> None:
    """Churn model, health-score backtest and A/B evaluation."""


@model.command("train")
@_churn_options
@click.option(
    "--snapshots",
    type=int,
    default=6,
    show_default=True,
    help="Snapshot dates, one horizon apart (newest = test).",
)
@click.option(
    "--model",
    "kind",
    type=click.Choice(["logistic", "gradient_boosting"]),
    default="logistic",
    show_default=True,
)
@click.option(
    "--models-dir",
    type=click.Path(path_type=Path),
    default=Path("models"),
    show_default=True,
)
@click.pass_context
@_friendly
def train_cmd(
    ctx: click.Context,
    churn: str,
    horizon_days: int,
    inactivity_days: int,
    p_alive: float,
    config_file: Path | None,
    snapshots: int,
    kind: str,
    models_dir: Path,
) -> None:
    """Train a churn model on the store's history, save it as a new version and print its report."""
    from crmscore.churn_model import save_model, train_from_store

    trained = train_from_store(
        _engine(ctx),
        config=_config(config_file),
        definition=_definition(churn, horizon_days, inactivity_days, p_alive),
        snapshots=snapshots,
        model=kind,
    )
    version, path = save_model(trained, models_dir)
    _out().print(f"saved {path}", highlight=False)
    print_report({"version": version, **trained.metadata()})


@model.command("report")
@click.option(
    "--models-dir",
    type=click.Path(path_type=Path),
    default=Path("models"),
    show_default=True,
)
@click.option(
    "--version", type=int, default=None, help="Model version (default: the newest)."
)
@_friendly
def report_cmd(models_dir: Path, version: int | None) -> None:
    """Print the held-out metrics of a saved churn model."""
    from crmscore.churn_model import latest_model_path, load_model

    path = (
        latest_model_path(models_dir)
        if version is None
        else models_dir / f"churn-v{version}.joblib"
    )
    _, meta = load_model(path)
    print_report(meta)


@model.command("backtest")
@_churn_options
@click.option(
    "--as-of",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Score as of this date (UTC).",
)
@click.option(
    "--suggest-weights",
    "draft",
    type=click.Path(path_type=Path),
    default=None,
    help="Also write a draft config with learned weights here (JSON; never applied).",
)
@click.pass_context
@_friendly
def backtest_cmd(
    ctx: click.Context,
    churn: str,
    horizon_days: int,
    inactivity_days: int,
    p_alive: float,
    config_file: Path | None,
    as_of: datetime,
    draft: Path | None,
) -> None:
    """How well the health score at --as-of ranked the customers who churned in the next horizon."""
    from crmscore.churn_model import store_config
    from crmscore.pipeline import load_scoring_frames
    from scoring.backtest import backtest_health, suggest_weights

    definition = _definition(churn, horizon_days, inactivity_days, p_alive)
    with _engine(ctx).connect() as conn:
        config = _config(config_file) or store_config(conn)
        frames = load_scoring_frames(conn)
    stamp = as_of.replace(tzinfo=UTC)
    result = backtest_health(frames, config, stamp, definition)
    out = _out()
    out.print(
        f"as of {stamp.date()}: {result.customers:,} live customers, {result.churned:,} churned ({definition.describe()})",
        highlight=False,
    )
    out.print(f"ROC AUC of low health against churn: {result.auc:.3f}", highlight=False)
    table = Table(title="churn rate per band", title_justify="left")
    for col in ("band", "customers", "churned", "churn rate"):
        table.add_column(col, justify="right")
    for row in result.bands.itertuples(index=False):
        table.add_row(
            str(row.band),
            f"{row.customers:,}",
            f"{row.churned:,}",
            f"{row.churn_rate:.1%}",
        )
    out.print(table)
    if draft is not None:
        weights, body = suggest_weights(frames, config, stamp, definition)
        draft.write_text(json.dumps(body, indent=2, default=str), encoding="utf-8")
        out.print(
            f"suggested weights {weights} → draft config {draft} (preview it with `crmscore config preview`)",
            highlight=False,
        )


@model.command("abtest")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--group-col", default="group", show_default=True)
@click.option("--treatment", default="treatment", show_default=True)
@click.option("--control", default="control", show_default=True)
@click.option("--min-group", type=int, default=30, show_default=True)
@_friendly
def abtest_cmd(
    file: Path, group_col: str, treatment: str, control: str, min_group: int
) -> None:
    """Compare two groups in a CSV (one row a customer; columns retained, revenue, score_change)."""
    from scoring.abtest import ab_test

    if not file.is_file():
        raise UserFacingError(f"{file}: no such file")
    frame = pd.read_csv(file)
    if group_col in frame.columns:
        frame[group_col] = frame[group_col].astype("str")
    result = ab_test(
        frame,
        group=group_col,
        treatment=treatment,
        control=control,
        min_group=min_group,
    )
    _out().print(result.verdict, highlight=False)
