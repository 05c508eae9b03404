"""``crmscore model …``: train and report the churn model, backtest the health score, evaluate an A/B test.

Wire it into the main CLI with ``cli.add_command(model)``. Errors a user can fix (no customers, a
bad file or column) print as one ``error:`` line with exit status 2 via ``crmscore.cli``'s handler.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click
import pandas as pd
from rich.table import Table

from crmscore.commands.common import (
    console,
    friendly_value_errors,
    open_engine,
)
from crmscore.errors import UserFacingError

__all__ = ["model", "models_dir_option"]

F = TypeVar("F", bound=Callable[..., Any])




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


def models_dir_option(fn: F) -> F:
    """``--models-dir``: the one way every command names the churn models folder."""
    return click.option(
        "--models-dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="CRMSCORE_MODELS_DIR",
        default=None,
        help="Folder of saved churn models [env CRMSCORE_MODELS_DIR; default: models].",
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
@models_dir_option
@click.pass_context
@friendly_value_errors
def train_cmd(
    ctx: click.Context,
    churn: str,
    horizon_days: int,
    inactivity_days: int,
    p_alive: float,
    config_file: Path | None,
    snapshots: int,
    kind: str,
    models_dir: Path | None,
) -> None:
    """Train a churn model on the store's history, save it as a new version and print its report.

    Every later scoring run applies the newest model in the folder (``crmscore score``)."""
    from crmscore.churn_model import save_model, train_from_store
    from crmscore.model_files import models_dir as resolve_models_dir

    trained = train_from_store(
        _engine(ctx),
        config=_config(config_file),
        definition=_definition(churn, horizon_days, inactivity_days, p_alive),
        snapshots=snapshots,
        model=kind,
    )
    version, path = save_model(trained, resolve_models_dir(models_dir))
    _out().print(f"saved {path}", highlight=False)
    print_report({"version": version, **trained.metadata()})


@model.command("report")
@models_dir_option
@click.option(
    "--version", type=int, default=None, help="Model version (default: the newest)."
)
@friendly_value_errors
def report_cmd(models_dir: Path | None, version: int | None) -> None:
    """Print the held-out metrics of a saved churn model."""
    from crmscore.model_files import latest_model_path, load_model
    from crmscore.model_files import models_dir as resolve_models_dir

    models_dir = resolve_models_dir(models_dir)
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
    "--config-version",
    type=int,
    default=None,
    help="A saved config version to backtest (instead of --config or the active one).",
)
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Score as of this date (UTC; default: one horizon before the newest event).",
)
@click.option(
    "--suggest-weights",
    "draft",
    type=click.Path(path_type=Path),
    default=None,
    help="Also write a draft config with learned weights here (JSON; never applied).",
)
@click.pass_context
@friendly_value_errors
def backtest_cmd(
    ctx: click.Context,
    churn: str,
    horizon_days: int,
    inactivity_days: int,
    p_alive: float,
    config_file: Path | None,
    config_version: int | None,
    as_of: datetime | None,
    draft: Path | None,
) -> None:
    """How well the health score at --as-of ranked the customers who churned in the next horizon."""
    from crmscore.backtest_store import run_backtest

    definition = _definition(churn, horizon_days, inactivity_days, p_alive)
    try:
        report = run_backtest(
            _engine(ctx),
            config_version_id=config_version,
            config=_config(config_file),
            as_of=None if as_of is None else as_of.replace(tzinfo=UTC),
            definition=definition,
        )
    except ValueError as exc:  # the store code names the API's arguments; name the options here
        text = str(exc)
        for api, option in (("asOf:", "--as-of:"), ("configVersion:", "--config-version:")):
            text = text.replace(api, option, 1) if text.startswith(api) else text
        raise UserFacingError(text) from None
    result = report.result
    out = _out()
    out.print(
        f"{report.config_name} as of {result.as_of.date()}: {result.customers:,} live customers, "
        f"{result.churned:,} churned ({definition.describe()})",
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
        if report.draft is None:
            raise UserFacingError(f"no suggested weights: {report.weights_note}")
        draft.write_text(json.dumps(report.draft, indent=2, default=str), encoding="utf-8")
        out.print(
            f"suggested weights {report.weights} → draft config {draft} (preview it with `crmscore config preview`)",
            highlight=False,
        )


@model.command("abtest")
@click.argument("file", type=click.Path(path_type=Path), required=False)
@click.option("--group-col", default="group", show_default=True, help="CSV mode: the column naming each row's group.")
@click.option("--treatment", default="treatment", show_default=True, help="CSV mode: the treatment group's value.")
@click.option("--control", default="control", show_default=True, help="CSV mode: the control group's value.")
@click.option("--treatment-tag", default=None, help="Store mode: the treatment group is the customers with this tag.")
@click.option("--control-tag", default=None, help="Store mode: the control group is the customers with this tag.")
@click.option(
    "--treatment-ids", default=None,
    help="Store mode: treatment customers' external ids (comma-separated, or @FILE with one a line; source:id when ambiguous).",
)
@click.option("--control-ids", default=None, help="Store mode: control customers' external ids (as --treatment-ids).")
@click.option(
    "--treatment-rule", "treatment_rules", multiple=True, metavar="FIELD=VALUE",
    help="Store mode: the treatment group is the customers matching every such rule in the latest scoring run "
    "(fields: band, segment, scorecard, source, kind, owner, country, industry; repeatable).",
)
@click.option("--control-rule", "control_rules", multiple=True, metavar="FIELD=VALUE",
              help="Store mode: the control group by rules (as --treatment-rule).")
@click.option("--start", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Store mode: outcomes are measured after this day (UTC).")
@click.option("--end", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Store mode: ... up to this day (default: the newest order or activity).")
@click.option("--min-group", type=int, default=30, show_default=True)
@click.pass_context
@friendly_value_errors
def abtest_cmd(
    ctx: click.Context,
    file: Path | None,
    group_col: str,
    treatment: str,
    control: str,
    treatment_tag: str | None,
    control_tag: str | None,
    treatment_ids: str | None,
    control_ids: str | None,
    treatment_rules: tuple[str, ...],
    control_rules: tuple[str, ...],
    start: datetime | None,
    end: datetime | None,
    min_group: int,
) -> None:
    """Compare a treatment group with a control group and print the verdict.

    CSV mode (FILE): one row a customer, with columns retained, revenue and/or score_change.
    Store mode (no FILE): choose each group by --*-tag, --*-ids or --*-rule and give --start;
    retention, revenue and score change over the window come from the store (see
    crmscore/abtest_store.py).
    """
    from scoring.abtest import ab_test

    store_mode = any(v is not None for v in (treatment_tag, control_tag, treatment_ids, control_ids, start, end))
    store_mode = store_mode or bool(treatment_rules or control_rules)
    if file is not None and store_mode:
        raise UserFacingError("give either a CSV FILE or store-mode options (--treatment-tag, --start, ...), not both")
    if file is None:
        rules = {"treatment": treatment_rules, "control": control_rules}
        _abtest_store(ctx, treatment_tag, control_tag, treatment_ids, control_ids, rules, start, end, min_group)
        return
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


def _id_list(option: str, value: str) -> list[str]:
    if value.startswith("@"):
        path = Path(value[1:])
        if not path.is_file():
            raise UserFacingError(f"{option}: {path}: no such file")
        items = path.read_text(encoding="utf-8").splitlines()
    else:
        items = value.split(",")
    ids = [i.strip() for i in items if i.strip()]
    if not ids:
        raise UserFacingError(f"{option}: no customer ids given")
    return ids


def _abtest_store(
    ctx: click.Context,
    treatment_tag: str | None,
    control_tag: str | None,
    treatment_ids: str | None,
    control_ids: str | None,
    rules: dict[str, tuple[str, ...]],
    start: datetime | None,
    end: datetime | None,
    min_group: int,
) -> None:
    from crmscore.abtest_store import GroupSpec, rule_predicate, run_abtest
    from crmscore.pipeline import latest_run

    def group(name: str, tag: str | None, ids: str | None) -> GroupSpec:
        if sum((tag is not None, ids is not None, bool(rules[name]))) != 1:
            raise UserFacingError(
                f"store mode: choose the {name} group by exactly one of --{name}-tag, --{name}-ids or --{name}-rule"
            )
        if ids is not None:
            return GroupSpec(name=name, external_ids=_id_list(f"--{name}-ids", ids))
        if rules[name]:
            return GroupSpec(name=name, where=rule_predicate(rules[name], where=f"--{name}-rule"))
        return GroupSpec(name=name, tag=tag)

    if start is None:
        raise UserFacingError("store mode: --start is required (outcomes are measured after it); or give a CSV FILE")
    a = group("treatment", treatment_tag, treatment_ids)
    b = group("control", control_tag, control_ids)
    engine = _engine(ctx)
    with engine.connect() as conn:
        newest = latest_run(conn)  # rules on band, segment or scorecard read the current scores
    report = run_abtest(
        engine,
        a,
        b,
        start=start.replace(tzinfo=UTC),
        end=None if end is None else end.replace(tzinfo=UTC),
        rule_run_id=None if newest is None else newest.id,
        min_group=min_group,
    )
    out = _out()
    out.print(
        f"window {report.start.date()} – {report.end.date()}: {report.sizes[0]:,} treatment and "
        f"{report.sizes[1]:,} control customers",
        highlight=False,
    )
    out.print(report.result.verdict, highlight=False)
    for note in report.notes:
        out.print(note, highlight=False)


def _add_kpi_commands() -> None:
    """``model kpis`` and ``model cohorts`` live in their own module (crmscore/commands/kpis.py)."""
    from crmscore.commands.kpis import cohorts_cmd, kpis_cmd

    model.add_command(kpis_cmd)
    model.add_command(cohorts_cmd)


_add_kpi_commands()
