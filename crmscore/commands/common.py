"""What every ``crmscore`` command shares: the consoles, one-line errors, the store, progress.

Command modules import these directly; ``crmscore.cli`` only assembles the groups, so no command
module needs to import the CLI itself (which is what used to make import order matter).
"""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from sqlalchemy import Engine

from crmscore.errors import UserFacingError
from store import StoreError, open_store

__all__ = ["console", "err_console", "friendly", "friendly_value_errors", "open_engine", "progress_bar", "step"]

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)
F = TypeVar("F", bound=Callable[..., Any])


def friendly(fn: F) -> F:
    """Turn the errors a user can fix into one line on stderr and exit status 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from connector.errors import SourceDataError
        from crmscore.config import ConfigError

        try:
            return fn(*args, **kwargs)
        except ConfigError as exc:
            for issue in exc.issues:
                err_console.print(str(issue), markup=False, highlight=False)
            err_console.print(f"error: {len(exc.issues)} problem(s) in the config", markup=False, highlight=False)
            sys.exit(2)
        except (UserFacingError, StoreError, SourceDataError) as exc:
            err_console.print(f"error: {exc}", markup=False, highlight=False)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


def friendly_value_errors(fn: F) -> F:
    """:func:`friendly`, and ``ValueError`` is a user error too: the pure scoring code (models, KPIs)
    raises it with a message naming the bad argument, and it has no CLI types to raise instead."""

    @functools.wraps(fn)
    def inner(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ValueError as exc:
            raise UserFacingError(str(exc)) from None

    return friendly(inner)  # type: ignore[return-value]


def progress_bar() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    )


@contextmanager
def step(label: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    err_console.print(f"[green]✓[/green] {label} [dim]({time.perf_counter() - start:.2f} s)[/dim]")


def open_engine(ctx: click.Context) -> Engine:
    """The store named by the root command's ``--database-url`` (or the environment), migrated.

    One engine per command invocation, disposed when the command ends: an embedding caller (a test
    runner, a notebook) would otherwise keep a PostgreSQL connection pool open per call.
    """
    root = ctx.find_root()
    root.ensure_object(dict)
    engine = root.obj.get("_engine")
    if engine is None:
        engine = root.obj["_engine"] = open_store(root.obj.get("database_url"))
        root.call_on_close(engine.dispose)
    return engine
