"""What `crmscore demo` and `crmscore score` print: the state of the latest scoring run."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.table import Table
from sqlalchemy import Connection, case, func, select

from crmscore.pipeline import ScoringRunRecord
from store import tables as t

__all__ = ["RunSummary", "render_summary", "summarise_run"]


@dataclass(frozen=True)
class RunSummary:
    run: ScoringRunRecord
    histogram: list[tuple[int, int]]  # (bucket start, count) over 10-point buckets
    bands: list[tuple[str, int]]
    segments: list[tuple[str, int]]
    lowest: list[tuple[str, str, float, str, str]]  # external id, name, score, band, segment
    unscored: int


def summarise_run(conn: Connection, run: ScoringRunRecord, *, lowest: int = 10) -> RunSummary:
    s = t.scores.c
    of_run = s.run_id == run.id
    # 100 belongs to the last bucket; LEAST/scalar MIN differ between the two backends, CASE does not.
    bucket = case((s.health_score >= 90, 90), else_=func.floor(s.health_score / 10) * 10)
    histogram = conn.execute(
        select(bucket, func.count()).where(of_run, s.health_score.is_not(None)).group_by(bucket).order_by(bucket)
    ).all()
    bands = conn.execute(
        select(s.band, func.count()).where(of_run).group_by(s.band).order_by(func.count().desc())
    ).all()
    segments = conn.execute(
        select(s.segment, func.count()).where(of_run).group_by(s.segment).order_by(func.count().desc())
    ).all()
    c = t.customers.c
    low = conn.execute(
        select(c.external_id, c.name, s.health_score, s.band, s.segment)
        .join_from(t.scores, t.customers, s.customer_id == c.id)
        .where(of_run, s.health_score.is_not(None))
        .order_by(s.health_score, s.customer_id)
        .limit(lowest)
    ).all()
    unscored = conn.execute(select(func.count()).where(of_run, s.health_score.is_(None))).scalar_one()
    return RunSummary(
        run=run,
        histogram=[(int(b), int(n)) for b, n in histogram],
        bands=[(str(b), int(n)) for b, n in bands],
        segments=[(str(g), int(n)) for g, n in segments],
        lowest=[(e, nm, float(sc), str(b), str(g)) for e, nm, sc, b, g in low],
        unscored=int(unscored),
    )


def render_summary(summary: RunSummary, console: Console) -> None:
    run = summary.run
    console.print(
        f"[bold]Scoring run {run.id}[/bold]: {run.customers_scored:,} customers scored "
        f"as of {run.as_of:%Y-%m-%d} with config version {run.config_version_id}"
        + (f" ({summary.unscored:,} without any indicator)" if summary.unscored else "")
    )
    total = sum(n for _, n in summary.histogram) or 1
    hist = Table(title="Health-score distribution", show_edge=False)
    hist.add_column("score", justify="right")
    hist.add_column("customers", justify="right")
    hist.add_column("")
    widest = max((n for _, n in summary.histogram), default=1)
    for start, n in summary.histogram:
        label = f"{start}–{start + 10 if start < 90 else 100}"
        hist.add_row(label, f"{n:,}", "█" * max(1, round(40 * n / widest)) + f" {100 * n / total:.1f}%")
    console.print(hist)
    for title, rows in (("Bands", summary.bands), ("Segments", summary.segments)):
        table = Table(title=title, show_edge=False)
        table.add_column(title[:-1].lower())
        table.add_column("customers", justify="right")
        for name, n in rows:
            table.add_row(name, f"{n:,}")
        console.print(table)
    low = Table(title=f"Lowest-scoring {len(summary.lowest)} customers", show_edge=False)
    for col in ("id", "name", "score", "band", "segment"):
        low.add_column(col, justify="right" if col == "score" else "left")
    for ext, name, score, band, segment in summary.lowest:
        low.add_row(ext, name, f"{score:.1f}", band, segment)
    console.print(low)
