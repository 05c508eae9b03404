"""Reading the churn risk a scoring run stored per customer (``scores.churn_risk``/``churn_drivers``).

Batched per request by a DataLoader (``ApiContext.churn_risks``): one statement for every customer
on a page, like the indicator loader.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from store.engine import reading
from store.tables import scores, scoring_runs

__all__ = ["ChurnRiskRecord", "fetch_churn_risks"]


@dataclass(frozen=True)
class ChurnRiskRecord:
    probability: float | None
    model_version: int
    definition: str | None
    drivers: list[dict[str, Any]] | None  # None: the model gives none, or there is no probability
    unavailable: str | None  # why there is no probability


def fetch_churn_risks(engine: Engine, run_id: int | None, pks: Sequence[int]) -> dict[int, ChurnRiskRecord | None]:
    """Per customer pk: the run's churn risk, or None when the run applied no model (or has no row)."""
    out: dict[int, ChurnRiskRecord | None] = dict.fromkeys(pks)
    if run_id is None or not pks:
        return out
    s, r = scores.c, scoring_runs.c
    stmt = (
        select(s.customer_id, s.churn_risk, s.churn_drivers, r.churn_model_version, r.churn_definition)
        .join(scoring_runs, r.id == s.run_id)
        .where(s.run_id == run_id, s.customer_id.in_(list(pks)), r.churn_model_version.is_not(None))
    )
    with reading(engine) as conn:
        for row in conn.execute(stmt):
            detail = row.churn_drivers if isinstance(row.churn_drivers, dict) else {}
            drivers = detail.get("drivers")
            out[row.customer_id] = ChurnRiskRecord(
                probability=row.churn_risk,
                model_version=int(row.churn_model_version),
                definition=row.churn_definition,
                drivers=drivers if isinstance(drivers, list) else None,
                unavailable=detail.get("unavailable") if row.churn_risk is None else None,
            )
    return out
