"""The ``crmscore`` command line.

Every failure the user can fix (bad config, bad CSV row, unreachable database) surfaces as one
line, ``error: <what and where>``, and exit status 2; a traceback means a bug in crmscore.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

import click
from sqlalchemy import Engine

from crmscore.commands.common import (
    console,
    err_console,
    friendly,
    open_engine,
    progress_bar,
    step,
)
from crmscore.commands.model import models_dir_option
from crmscore.errors import UserFacingError
from store import redact
from store.engine import database_url

__all__ = ["main"]

# Shared by every command module; kept under the old private names for modules that use them.
_friendly = friendly
_engine = open_engine
_progress = progress_bar
_step = step


@click.group()
@click.option(
    "--database-url",
    envvar="CRMSCORE_DATABASE_URL",
    default=None,
    help="SQLAlchemy URL of the store (default: sqlite:///crmscore.db in this folder).",
)
@click.pass_context
def cli(ctx: click.Context, database_url: str | None) -> None:
    """crmscore: customer-relationship scores for the CRM you already run."""
    ctx.ensure_object(dict)
    ctx.obj["database_url"] = database_url


def _generate(out: Path, customers: int, seed: int) -> None:
    from crmscore.sample import generate

    with _progress() as bar:
        task = bar.add_task("generating the sample CRM", total=customers)
        summary = generate(out, customers=customers, seed=seed, progress=lambda done: bar.update(task, completed=done))
    counts = ", ".join(f"{n:,} {entity}" for entity, n in summary.counts.items() if n)
    err_console.print(f"  {counts}", highlight=False)


def _load(engine: Engine, directory: Path, source: str, mapping: Path | None, skip_bad_rows: bool) -> None:
    from connector.files import FileSource
    from connector.load import load_source
    from connector.mapping import load_mapping

    src = FileSource(directory, source=source, mapping=load_mapping(mapping) if mapping else None)
    with _progress() as bar:
        task = bar.add_task(f"loading {directory}", total=None)
        report = load_source(
            engine,
            src,
            on_error="skip" if skip_bad_rows else "raise",
            progress=lambda n: bar.update(task, completed=n),
        )
    for entity, counts in report.counts.items():
        if counts.read:
            err_console.print(
                f"  {entity}: {counts.read:,} read, {counts.inserted:,} new, {counts.updated:,} updated"
                + (f", {counts.skipped:,} skipped" if counts.skipped else ""),
                highlight=False,
            )
    for error in report.errors[:20]:
        err_console.print(f"  skipped: {error}", markup=False, highlight=False)


def _score(engine: Engine, config: Path | None, as_of: datetime | None, models_dir: Path | None = None) -> None:
    from crmscore.pipeline import run_scoring
    from crmscore.pubsub import alerts_to_redis
    from crmscore.summary import render_summary, summarise_run

    # With CRMSCORE_REDIS_URL set, the alerts this run raises reach the API's alertRaised subscribers.
    with _step("scored"), alerts_to_redis(os.environ.get("CRMSCORE_REDIS_URL") or None):
        run = run_scoring(
            engine, config, as_of=as_of, models_dir=models_dir,
            progress=lambda msg: err_console.print(f"  {msg}", highlight=False),
        )
    with engine.connect() as conn:
        render_summary(summarise_run(conn, run), console)


def _serve(engine: Engine, host: str, port: int, production: bool, anonymous: bool) -> None:
    import uvicorn

    from graphql_api import create_app

    if production and anonymous:
        raise UserFacingError("--anonymous is for development only; production always requires an API key")
    mode = "production" if production else "development (GraphiQL on)"
    access = "anonymous viewers allowed" if anonymous else "API key required (crmscore keys create)"
    err_console.print(f"serving GraphQL at http://{host}:{port}/graphql and the admin page at /admin — {mode}; {access}; Ctrl-C to stop")
    app = create_app(engine, debug=not production, require_auth=not anonymous)
    uvicorn.run(app, host=host, port=port, log_level="warning")


@cli.command()
@click.option("--customers", default=2000, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option("--seed", default=42, show_default=True, type=int)
@click.option("--data-dir", default=Path("crmscore-data/sample"), show_default=True, type=click.Path(path_type=Path))
@click.option("--serve/--no-serve", default=False, help="Serve GraphQL afterwards.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.pass_context
@_friendly
def demo(ctx: click.Context, customers: int, seed: int, data_dir: Path, serve: bool, host: str, port: int) -> None:
    """Generate a sample CRM, load it into the store, score it and print a summary."""
    started = time.perf_counter()
    engine = _engine(ctx)
    err_console.print(f"store: {redact(database_url(ctx.obj['database_url']))}", highlight=False)
    with _step(f"generated a sample CRM of {customers:,} customers in {data_dir}"):
        _generate(data_dir, customers, seed)
    with _step("loaded it into the store through the file source"):
        _load(engine, data_dir, "sample", None, False)
    _score(engine, None, None)
    err_console.print(f"demo finished in {time.perf_counter() - started:.1f} s", highlight=False)
    if serve:
        _serve(engine, host, port, production=False, anonymous=True)


@cli.command()
@click.argument("out_dir", type=click.Path(path_type=Path))
@click.option("--customers", default=2000, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option("--seed", default=42, show_default=True, type=int)
@_friendly
def generate(out_dir: Path, customers: int, seed: int) -> None:
    """Write a sample CRM as one CSV file per entity into OUT_DIR (no store needed)."""
    with _step(f"generated {customers:,} customers into {out_dir}"):
        _generate(out_dir, customers, seed)


@cli.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--source", default="files", show_default=True, help="Name the records are filed under.")
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Column mapping of a CRM export.")
@click.option("--skip-bad-rows", is_flag=True, help="Report bad rows and load the rest instead of stopping.")
@click.pass_context
@_friendly
def load(ctx: click.Context, directory: Path, source: str, mapping: Path | None, skip_bad_rows: bool) -> None:
    """Load a folder of per-entity CSV / JSON Lines files (or a mapped CRM export) into the store."""
    engine = _engine(ctx)
    with _step(f"loaded {directory}"):
        _load(engine, directory, source, mapping, skip_bad_rows)


@cli.command()
@click.option("--config", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Config file to use (it becomes the active version).")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="Score as of this date (default: the newest event in the data).")
@models_dir_option
@click.pass_context
@_friendly
def score(ctx: click.Context, config: Path | None, as_of: datetime | None, models_dir: Path | None) -> None:
    """Score every customer in the store with the active (or given) config; the newest churn model in
    the models folder (if any) adds each customer's churn risk."""
    _score(_engine(ctx), config, as_of.replace(tzinfo=UTC) if as_of else None, models_dir)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--production", is_flag=True, help="Turn GraphiQL and introspection off.")
@click.option("--anonymous", is_flag=True, help="Development only: let requests without a key in as viewers.")
@click.pass_context
@_friendly
def serve(ctx: click.Context, host: str, port: int, production: bool, anonymous: bool) -> None:
    """Serve the GraphQL API at /graphql and the admin page at /admin."""
    _serve(_engine(ctx), host, port, production, anonymous)


def _register() -> None:
    """Command groups that live in their own modules (they import crmscore.cli's helpers lazily)."""
    from crmscore.commands.clv import clv
    from crmscore.commands.config import config
    from crmscore.commands.keys import keys
    from crmscore.commands.model import model
    from crmscore.commands.sync import COMMANDS as SYNC_COMMANDS

    cli.add_command(clv)
    cli.add_command(keys)
    cli.add_command(config)
    cli.add_command(model)
    for command in SYNC_COMMANDS:
        cli.add_command(command)


_register()


def main() -> None:
    cli(prog_name="crmscore")


if __name__ == "__main__":
    main()
