"""``crmscore sync|writeback|install|quality``: the CRM connector on the command line.

Sources are declared in a YAML file (``--sources``, ``$CRMSCORE_SOURCES``, default ``sources.yaml``;
see ``configs/sources/example.yaml``) with secrets in environment variables. Wire the commands into
the main CLI with ``for command in COMMANDS: cli.add_command(command)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.table import Table

from crmscore.commands.common import console, err_console, friendly, open_engine

__all__ = ["COMMANDS", "install", "quality", "sync", "writeback"]

_SOURCES = click.option(
    "--sources", "sources_file", envvar="CRMSCORE_SOURCES", default="sources.yaml", show_default=True,
    type=click.Path(dir_okay=False, path_type=Path), help="The sources file (URLs, databases, mapping overrides).",
)


def _config(sources_file: Path, name: str) -> Any:
    from crmscore.sync_jobs import find_source

    return find_source(sources_file, name)


def _progress() -> Any:
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed:,} records"),
                    TimeElapsedColumn(), console=err_console, transient=True, disable=not err_console.is_terminal)


def print_quality(report: Any, console: Any) -> None:
    """The data-quality summary and its first findings."""
    if report is None:
        console.print("no data-quality report yet: run crmscore sync first")
        return
    labels = {"duplicate_email": "duplicate e-mails", "duplicate_phone": "duplicate phones",
              "duplicate_name": "duplicate names", "orphan": "orphans", "missing": "missing fields",
              "suspicious": "suspicious values"}
    console.print("data quality: " + ", ".join(f"{report.summary.get(k, 0):,} {v}" for k, v in labels.items()),
                  highlight=False)
    for finding in report.findings[:15]:
        detail = ", ".join(f"{k}={v}" for k, v in finding.items() if k != "kind")
        console.print(f"  {labels.get(finding['kind'], finding['kind'])}: {detail}", markup=False, highlight=False)


@click.command()
@click.argument("source_name", metavar="SOURCE")
@click.option("--full", is_flag=True, help="Forget the cursor, read everything again and check for deletions.")
@click.option("--reconcile/--no-reconcile", default=None, help="Check for deletions now (default: once a day).")
@click.option("--stream", "streams", multiple=True, help="Only this stream (repeatable), e.g. partners.")
@_SOURCES
@click.pass_context
@friendly
def sync(ctx: click.Context, source_name: str, full: bool, reconcile: bool | None, streams: tuple[str, ...],
         sources_file: Path) -> None:
    """Bring the store up to date with the CRM named SOURCE in the sources file."""
    from connector.sources_config import build_source
    from connector.sync import sync_source
    from crmscore.sync_jobs import record_unreached, sync_options

    config = _config(sources_file, source_name)
    engine = open_engine(ctx)
    try:
        source = build_source(config)
    except Exception as exc:
        record_unreached(engine, source_name, exc)  # the outage shows in sync runs, as from the API
        raise
    options = sync_options(config, full=full, streams=streams, reconcile=reconcile)
    with _progress() as bar:
        task = bar.add_task(f"syncing {source_name}", total=None)
        report = sync_source(engine, source, options=options,
                             progress=lambda stream, n: bar.update(task, completed=n, description=f"{source_name}: {stream}"))
    table = Table("stream", "read", "new", "updated", "deleted", "skipped", "failed", "deferred", title=f"sync {source_name}")
    for name, c in report.counts.items():
        table.add_row(name, *(f"{v:,}" for v in (c.read, c.inserted, c.updated, c.deleted, c.skipped, c.failed, c.deferred)))
    console.print(table)
    for error in report.errors[:20]:
        err_console.print(f"  failed: {error}", markup=False, highlight=False)
    if report.error_count > 20:
        err_console.print(f"  ... and {report.error_count - 20:,} more (sync run {report.run_id})", highlight=False)
    print_quality(report.quality, console)


@click.command()
@click.argument("source_name", metavar="SOURCE")
@click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing.")
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=None, help="Records per batch (default 100).")
@_SOURCES
@click.pass_context
@friendly
def writeback(ctx: click.Context, source_name: str, dry_run: bool, batch_size: int | None, sources_file: Path) -> None:
    """Write the current scores into the CRM's custom fields (only values that changed)."""
    from connector.runs import writeback_run_source
    from connector.sources_config import build_source, build_writer
    from connector.writeback import write_back
    from crmscore.sync_jobs import record_unreached, writeback_batch_size

    config = _config(sources_file, source_name)
    engine = open_engine(ctx)
    try:
        writer = build_writer(config, build_source(config))
    except Exception as exc:
        if not dry_run:  # a dry run records no run, whatever its outcome
            record_unreached(engine, writeback_run_source(source_name), exc)
        raise
    size = writeback_batch_size(config, batch_size)
    with _progress() as bar:
        task = bar.add_task(f"writing scores to {source_name}", total=None)
        report = write_back(engine, source_name, writer, dry_run=dry_run, batch_size=size,
                            progress=lambda n: bar.update(task, completed=n))
    if dry_run:
        console.print(f"dry run: {report.planned:,} records would be written, {report.unchanged:,} unchanged", highlight=False)
        for external_id, values in report.changes[:20]:
            shown = ", ".join(f"{writer.fields[k]}={v}" for k, v in values.items())
            console.print(f"  {external_id}: {shown}", markup=False, highlight=False)
        return
    console.print(f"written {report.written:,} of {report.planned:,} changed records in {report.batches} batches; "
                  f"{report.unchanged:,} unchanged; {report.failed:,} refused", highlight=False)
    for error in report.errors[:20]:
        err_console.print(f"  refused: {error}", markup=False, highlight=False)


@click.group()
def install() -> None:
    """Create the custom fields the CRM needs to show crmscore's scores."""


@install.command("odoo")
@click.argument("source_name", metavar="SOURCE", default="odoo")
@_SOURCES
@friendly
def install_odoo_command(source_name: str, sources_file: Path) -> None:
    """Create the x_ fields on res.partner and a Health tab on the partner form (safe to run twice)."""
    from connector.install import install_odoo
    from connector.odoo import ODOO_WRITEBACK
    from connector.sources_config import build_source, writeback_fields
    from crmscore.errors import UserFacingError

    config = _config(sources_file, source_name)
    if config.kind != "odoo":
        raise UserFacingError(f"source {source_name!r} is a {config.kind} source; use crmscore install {config.kind}")
    source = build_source(config)
    report = install_odoo(source.transport, writeback_fields(config, ODOO_WRITEBACK["fields"]))
    console.print(f"res.partner fields: {len(report.created)} created ({', '.join(report.created) or 'none'}), "
                  f"{len(report.existing)} already there; partner form view {report.view} (id {report.view_id})",
                  highlight=False)


@install.command("suitecrm")
@click.option("--package", "package", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the Module Loader zip.")
@click.option("--source", "source_name", default=None, help="Take custom field names from this source's writeback.")
@_SOURCES
@friendly
def install_suitecrm_command(package: Path, source_name: str | None, sources_file: Path) -> None:
    """Build a Module Loader package with the _c score fields for Accounts and Contacts."""
    from connector.install import build_suitecrm_package
    from connector.sources_config import writeback_fields
    from connector.suitecrm import SUITECRM_WRITEBACK

    fields = dict(SUITECRM_WRITEBACK["fields"])
    if source_name is not None:
        fields = writeback_fields(_config(sources_file, source_name), SUITECRM_WRITEBACK["fields"])
    data = build_suitecrm_package(fields, package)
    console.print(f"wrote {package} ({len(data):,} bytes): upload it in SuiteCRM under Admin > Module Loader, "
                  "then run Admin > Repair > Quick Repair and Rebuild (see docs/host-crm.md)", highlight=False)


@click.command()
@click.argument("source_name", metavar="SOURCE")
@click.pass_context
@friendly
def quality(ctx: click.Context, source_name: str) -> None:
    """Show the data-quality report of the last sync of SOURCE."""
    from connector.quality import latest_quality_report

    with open_engine(ctx).connect() as conn:
        print_quality(latest_quality_report(conn, source_name), console)


COMMANDS = (sync, writeback, install, quality)
