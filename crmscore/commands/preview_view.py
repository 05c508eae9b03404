"""Rendering a config preview for the terminal: the draft next to the active config."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from crmscore.preview import HISTOGRAM_EDGES, Preview, counts_table

__all__ = ["render_preview"]


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def render_preview(p: Preview, console: Any) -> None:
    draft, active = p.draft, p.active
    console.print(f"preview as of {p.as_of:%Y-%m-%d %H:%M} UTC — nothing was written", highlight=False)
    head = Table(title="Health scores", title_justify="left")
    head.add_column("")
    head.add_column("draft", justify="right")
    if active:
        head.add_column(active.label, justify="right")
    rows: list[tuple[str, str, str | None]] = [
        ("customers scored", str(draft.scored), str(active.scored) if active else None),
        ("mean", _num(draft.mean), _num(active.mean) if active else None),
        ("median", _num(draft.median), _num(active.median) if active else None),
    ]
    theirs: list[int | None] = list(active.histogram) if active else [None] * len(draft.histogram)
    for lo, hi, mine, other in zip(HISTOGRAM_EDGES[:-1], HISTOGRAM_EDGES[1:], draft.histogram, theirs, strict=True):
        rows.append((f"{lo}–{hi}", str(mine), None if other is None else str(other)))
    for label, first, second in rows:
        head.add_row(label, first, *([second or ""] if active else []))
    console.print(head)
    for attribute, title in (("bands", "Bands"), ("segments", "Segments"), ("scorecards", "Scorecards"), ("alert_counts", "Alerts that would fire")):
        table = Table(title=title, title_justify="left")
        table.add_column("")
        table.add_column("draft", justify="right")
        if active:
            table.add_column(active.label, justify="right")
        for name, mine_n, other_n in counts_table(draft, active, attribute):
            table.add_row(name, str(mine_n), *([str(other_n)] if active else []))
        console.print(table)
    if active:
        movers = Table(title=f"Band changes: {p.band_changes} customer(s); largest score changes", title_justify="left")
        for column in ("customer", "before", "after", "band before", "band after"):
            movers.add_column(column)
        for m in p.movers:
            movers.add_row(f"{m.name} ({m.customer_id})", _num(m.before), _num(m.after), m.before_band or "", m.after_band or "")
        console.print(movers)
    for alert in draft.alerts[:20]:
        console.print(f"  would alert [{alert.severity}] {alert.rule}: {alert.message}", markup=False, highlight=False)
