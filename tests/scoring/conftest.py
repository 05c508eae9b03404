"""Tiny hand-built portfolios for the scoring tests.

Every timestamp is written as "days before AS_OF" so the expected values in the tests can be worked
out by hand from the fixture alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pytest

from scoring import CRMFrames
from scoring.config import ScoringConfig
from scoring.indicators import ScoringData, get_kind, resolve_params

AS_OF = datetime(2025, 1, 31, 12, 0, tzinfo=UTC)


def at(days_ago: float | None) -> pd.Timestamp | None:
    return None if days_ago is None else pd.Timestamp(AS_OF) - pd.Timedelta(days=days_ago)


def _stamps(values: Iterable[float | None]) -> pd.Series:
    return pd.Series([at(v) for v in values], dtype="datetime64[us, UTC]")


class Build:
    """Builders for each frame; rows are tuples, times are days before AS_OF."""

    as_of = AS_OF

    @staticmethod
    def customers(ids: Iterable[int], created_days_ago: Mapping[int, float | None] | float | None = 1000) -> pd.DataFrame:
        ids = list(ids)
        if isinstance(created_days_ago, Mapping):
            created = [created_days_ago.get(i, 1000) for i in ids]
        else:
            created = [created_days_ago] * len(ids)
        return pd.DataFrame(
            {
                "customer_id": pd.Series(ids, dtype="int64"),
                "name": pd.Series([f"Customer {i}" for i in ids], dtype="str"),
                "kind": pd.Series(["company"] * len(ids), dtype="str"),
                "created_at": _stamps(created),
                "active": pd.Series([True] * len(ids), dtype="bool"),
            }
        )

    @staticmethod
    def orders(rows: Iterable[tuple[Any, ...]]) -> pd.DataFrame:
        """(customer_id, days_ago, amount[, kind='order'])"""
        rows = [tuple(r) + ("order",) * (4 - len(r)) for r in rows]
        return pd.DataFrame(
            {
                "customer_id": pd.Series([r[0] for r in rows], dtype="int64"),
                "ordered_at": _stamps(r[1] for r in rows),
                "amount": pd.Series([r[2] for r in rows], dtype="float64"),
                "kind": pd.Series([r[3] for r in rows], dtype="str"),
            }
        )

    @staticmethod
    def cases(rows: Iterable[tuple[Any, ...]]) -> pd.DataFrame:
        """(customer_id, opened_days_ago, is_complaint[, responded_days_ago[, closed_days_ago[, priority]]])"""
        rows = [tuple(r) + (None, None, "medium")[len(r) - 3 :] for r in rows]
        return pd.DataFrame(
            {
                "customer_id": pd.Series([r[0] for r in rows], dtype="int64"),
                "opened_at": _stamps(r[1] for r in rows),
                "first_response_at": _stamps(r[3] for r in rows),
                "closed_at": _stamps(r[4] for r in rows),
                "is_complaint": pd.Series([r[2] for r in rows], dtype="bool"),
                "priority": pd.Series([r[5] for r in rows], dtype="str"),
            }
        )

    @staticmethod
    def order_lines(rows: Iterable[tuple[Any, ...]]) -> pd.DataFrame:
        """(customer_id, days_ago, category)"""
        rows = list(rows)
        return pd.DataFrame(
            {
                "customer_id": pd.Series([r[0] for r in rows], dtype="int64"),
                "ordered_at": _stamps(r[1] for r in rows),
                "category": pd.Series([r[2] for r in rows], dtype="str"),
            }
        )

    @staticmethod
    def activities(rows: Iterable[tuple[Any, ...]]) -> pd.DataFrame:
        """(customer_id, days_ago[, kind='call'[, direction='outbound']])"""
        rows = [tuple(r) + ("call", "outbound")[len(r) - 2 :] for r in rows]
        return pd.DataFrame(
            {
                "customer_id": pd.Series([r[0] for r in rows], dtype="int64"),
                "kind": pd.Series([r[2] for r in rows], dtype="str"),
                "direction": pd.Series([r[3] for r in rows], dtype="str"),
                "occurred_at": _stamps(r[1] for r in rows),
            }
        )

    @staticmethod
    def surveys(rows: Iterable[tuple[Any, ...]]) -> pd.DataFrame:
        """(customer_id, survey, score, days_ago[, scale_min, scale_max]); scale defaults by survey."""
        full = []
        for r in rows:
            default_scale = (0.0, 10.0) if r[1] == "nps" else (1.0, 5.0)
            full.append(tuple(r) + default_scale[len(r) - 4 :])
        return pd.DataFrame(
            {
                "customer_id": pd.Series([r[0] for r in full], dtype="int64"),
                "survey": pd.Series([r[1] for r in full], dtype="str"),
                "score": pd.Series([r[2] for r in full], dtype="float64"),
                "scale_min": pd.Series([r[4] for r in full], dtype="float64"),
                "scale_max": pd.Series([r[5] for r in full], dtype="float64"),
                "responded_at": _stamps(r[3] for r in full),
            }
        )

    @staticmethod
    def frames(**frames: pd.DataFrame) -> CRMFrames:
        return CRMFrames.empty(**frames)

    @staticmethod
    def indicator(
        frames: CRMFrames, kind: str, params: Mapping[str, Any] | None = None, window_days: int = 365
    ) -> dict[int, float]:
        """Raw values of one indicator kind, as {customer_id: value} (NaN kept)."""
        spec = get_kind(kind)
        data = ScoringData(frames, pd.Timestamp(AS_OF))
        out = spec.compute(data, resolve_params(spec, params or {}, window_days))
        return dict(zip(frames.customers["customer_id"].tolist(), out.values.tolist(), strict=True))

    @staticmethod
    def config(indicators: list[dict[str, Any]], **top: Any) -> ScoringConfig:
        return ScoringConfig.from_dict({"version": 1, "indicators": indicators, **top})


@pytest.fixture
def build() -> type[Build]:
    return Build

