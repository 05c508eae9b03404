"""The sample CRM generator: a seeded, deterministic, streaming fake CRM with real churn dynamics.

Customers are produced in fixed-size chunks, each from its own random stream
``default_rng([seed, 1, chunk])``, and written out before the next chunk starts, so memory stays
flat however many customers are asked for and the same seed and size always give the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from crmscore.sample.commerce import opportunity_rows, purchases
from crmscore.sample.marketing import (
    Campaigns,
    campaign_rows,
    lead_rows,
    make_campaigns,
)
from crmscore.sample.population import (
    HISTORY_DAYS,
    Cohort,
    contact_rows,
    customer_rows,
    make_cohort,
    truth_rows,
)
from crmscore.sample.service import activity_rows, case_rows, survey_rows
from crmscore.sample.text import DAY
from crmscore.sample.writer import Format, SampleWriter

__all__ = ["CHUNK_CUSTOMERS", "DEFAULT_AS_OF", "SampleSummary", "generate"]

CHUNK_CUSTOMERS = 10_000
DEFAULT_AS_OF = datetime(2026, 6, 30, tzinfo=UTC)


@dataclass(frozen=True)
class SampleSummary:
    out_dir: Path
    customers: int
    seed: int
    as_of: datetime
    fmt: Format
    counts: dict[str, int] = field(default_factory=dict)  # rows written per entity file
    files: dict[str, Path] = field(default_factory=dict)


def generate(
    out_dir: Path,
    *,
    customers: int = 2000,
    seed: int = 42,
    as_of: datetime = DEFAULT_AS_OF,
    fmt: Format = "csv",
    progress: Callable[[int], None] | None = None,
) -> SampleSummary:
    """Write a sample CRM of ``customers`` customers with about three years of history up to ``as_of``."""
    if customers < 1:
        raise ValueError(f"customers must be at least 1, not {customers}")
    if seed < 0:
        raise ValueError(f"seed must be zero or positive, not {seed}")
    if as_of.tzinfo is None or as_of.utcoffset() is None:
        raise ValueError(f"as_of must be timezone-aware, not {as_of.isoformat()}")
    if fmt not in ("csv", "jsonl"):
        raise ValueError(f"fmt must be 'csv' or 'jsonl', not {fmt!r}")
    out_dir = Path(out_dir)
    now = int(as_of.timestamp())
    start = now - HISTORY_DAYS * DAY
    campaigns = make_campaigns(np.random.default_rng([seed, 0]), int(np.clip(customers // 40, 24, 600)), start, now)

    writer = SampleWriter(out_dir, fmt)
    try:
        writer.write("campaigns", campaign_rows(campaigns, now))
        for chunk, first in enumerate(range(0, customers, CHUNK_CUSTOMERS)):
            rng = np.random.default_rng([seed, 1, chunk])
            cohort = make_cohort(rng, first, min(CHUNK_CUSTOMERS, customers - first), now, campaigns)
            _write_chunk(writer, rng, cohort, campaigns, start, now)
            if progress is not None:
                progress(first + cohort.n)
    finally:
        writer.close()
    return SampleSummary(
        out_dir=out_dir,
        customers=customers,
        seed=seed,
        as_of=as_of,
        fmt=fmt,
        counts=dict(writer.counts),
        files=dict(writer.paths),
    )


def _write_chunk(
    writer: SampleWriter, rng: np.random.Generator, cohort: Cohort, campaigns: Campaigns, start: int, now: int
) -> None:
    def serial(entity: str) -> int:
        """The running number of the next record, so ids stay unique across chunks."""
        return writer.counts[entity] + 1

    writer.write("customers", customer_rows(rng, cohort))
    writer.write("contacts", contact_rows(rng, cohort, serial("contacts")))
    converted = cohort.lead_at >= 0
    writer.write(
        "leads",
        lead_rows(
            rng,
            campaigns,
            lead_at=cohort.lead_at[converted],
            converted_at=cohort.created[converted],
            campaign=cohort.campaign[converted],
            customer_ids=cohort.ids[converted],
            names=cohort.names[converted],
            unconverted=int(rng.poisson(0.8 * cohort.n)),
            history_start=start,
            as_of=now,
            first_number=serial("leads"),
        ),
    )
    writer.write("opportunities", opportunity_rows(rng, cohort, serial("opportunities")))
    bought = purchases(
        rng,
        cohort,
        first_order=writer.serials["orders"] + 1,
        first_line=serial("order_lines"),
        first_refund=writer.serials["refunds"] + 1,
    )
    writer.serials["orders"] += bought.n_orders
    writer.serials["refunds"] += bought.n_refunds
    writer.write("orders", bought.orders)
    writer.write("order_lines", bought.lines)
    writer.write("cases", case_rows(rng, cohort, serial("cases")))
    writer.write("activities", activity_rows(rng, cohort, serial("activities")))
    writer.write("survey_responses", survey_rows(rng, cohort, serial("survey_responses")))
    writer.write("sample_truth", truth_rows(cohort))
