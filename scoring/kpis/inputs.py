"""What the portfolio KPIs read: five plain DataFrames, their column contract, and a segment filter.

The KPIs mix per-customer data (orders, survey answers, cases) with data that belongs to no customer
(campaign costs, leads that never converted), so they get their own bundle rather than
:class:`scoring.frames.CRMFrames`. The contract is checked up front so that a missing column or a
naive timestamp fails with one line naming the frame and column, not deep inside a KPI.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

import pandas as pd

from scoring.frames import check_frame, complete_frames

__all__ = ["KPI_INPUT_COLUMNS", "KpiInputs", "rows_of_customers", "segment_customers"]

#: Required columns per frame, with the dtype an empty frame gets. Extra columns are allowed.
KPI_INPUT_COLUMNS: Mapping[str, Mapping[str, str]] = {
    "orders": {"customer_id": "int64", "ordered_at": "datetime64[us, UTC]", "amount": "float64", "kind": "str"},
    # customer_id: the customer the lead became (missing if none); campaign_id: missing for organic leads
    "leads": {
        "created_at": "datetime64[us, UTC]",
        "converted_at": "datetime64[us, UTC]",
        "campaign_id": "str",
        "customer_id": "Int64",
    },
    "campaigns": {"campaign_id": "str", "cost": "float64", "started_at": "datetime64[us, UTC]", "channel": "str"},
    "surveys": {
        "customer_id": "int64",
        "survey": "str",
        "score": "float64",
        "scale_min": "float64",
        "scale_max": "float64",
        "responded_at": "datetime64[us, UTC]",
    },
    "cases": {"customer_id": "int64", "opened_at": "datetime64[us, UTC]", "is_complaint": "bool"},
}

#: Frames whose rows belong to one customer, and so can be narrowed to a segment.
_PER_CUSTOMER = ("orders", "surveys", "cases")


def rows_of_customers(frame: pd.DataFrame, ids: pd.Index) -> pd.DataFrame:
    """The rows of ``frame`` whose ``customer_id`` is in ``ids``."""
    kept: pd.DataFrame = frame.loc[frame["customer_id"].isin(ids).to_numpy(dtype=bool)]
    return kept


def segment_customers(segment_of: pd.Series, segment: str) -> pd.Index:
    """The customer ids whose segment is ``segment`` (``segment_of``: customer_id → segment name).

    An unknown name is an error rather than an empty table: a typo should not read as "no customers".
    """
    names = segment_of.dropna().astype("str")
    ids: pd.Index = names.index[(names == segment).to_numpy(dtype=bool)]
    if ids.empty:
        known = ", ".join(sorted(set(names))) or "none"
        raise ValueError(f"unknown segment {segment!r} (segments: {known})")
    return ids


@dataclass(frozen=True)
class KpiInputs:
    """Orders, leads, campaigns, survey answers and cases, one DataFrame each (see the column contract)."""

    orders: pd.DataFrame
    leads: pd.DataFrame
    campaigns: pd.DataFrame
    surveys: pd.DataFrame
    cases: pd.DataFrame

    @classmethod
    def empty(cls, **frames: pd.DataFrame) -> KpiInputs:
        """Frames with every column and no rows, except those given (handy for tests)."""
        return cls(**complete_frames(frames, KPI_INPUT_COLUMNS))

    def check(self) -> None:
        """Raise ``FramesError`` (a ``ValueError``) naming the first frame and column that breaks the contract."""
        for f in fields(self):
            check_frame(f"kpi inputs.{f.name}", getattr(self, f.name), KPI_INPUT_COLUMNS[f.name])

    def for_customers(self, ids: pd.Index) -> KpiInputs:
        """Only the rows of these customers in the per-customer frames; leads and campaigns unchanged.

        Leads and campaign costs belong to no customer (most leads never convert), so they cannot be
        narrowed; the KPI table leaves the figures built on them out for a segment.
        """
        keep = {name: rows_of_customers(getattr(self, name), ids) for name in _PER_CUSTOMER}
        return replace(self, **keep)
