"""The DataFrames scoring reads, and the column contract they must meet.

Scoring never touches the store: the pipeline hands it one :class:`CRMFrames`. The contract is
checked up front so that a missing column or a naive timestamp fails with one line naming the frame
and column, rather than as a ``KeyError`` or a silent timezone shift deep inside an indicator.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

import pandas as pd

__all__ = [
    "COLUMNS",
    "ON_DEMAND_FRAMES",
    "CRMFrames",
    "FramesError",
    "check_frame",
    "complete_frames",
    "empty_frame",
    "is_loaded",
    "not_loaded",
]

#: Required columns per frame, each with the dtype :func:`empty_frame` gives it. Those dtypes are what
#: an empty frame gets, not what :func:`check_frame` demands of a frame with rows: there ids may be of
#: any integer width (the store's typed reader, ``crmscore.columns_read``, gives int32 when every id
#: fits) and timestamps of any unit, as long as they are timezone-aware UTC; other columns are not
#: checked (the reader gives low-cardinality text as a categorical, not ``str``).
COLUMNS: Mapping[str, Mapping[str, str]] = {
    "customers": {
        "customer_id": "int64",
        "name": "str",
        "kind": "str",
        "created_at": "datetime64[us, UTC]",
        "active": "bool",
    },
    "orders": {
        "customer_id": "int64",
        "ordered_at": "datetime64[us, UTC]",
        "amount": "float64",
        "kind": "str",
    },
    "order_lines": {
        "customer_id": "int64",
        "ordered_at": "datetime64[us, UTC]",
        "category": "str",
    },
    "cases": {
        "customer_id": "int64",
        "opened_at": "datetime64[us, UTC]",
        "first_response_at": "datetime64[us, UTC]",
        "closed_at": "datetime64[us, UTC]",
        "is_complaint": "bool",
        "priority": "str",
    },
    "activities": {
        "customer_id": "int64",
        "kind": "str",
        "direction": "str",
        "occurred_at": "datetime64[us, UTC]",
    },
    "surveys": {
        "customer_id": "int64",
        "survey": "str",
        "score": "float64",
        "scale_min": "float64",
        "scale_max": "float64",
        "responded_at": "datetime64[us, UTC]",
    },
}


#: Frames only some indicator kinds use (they declare it with ``register(..., reads=...)``). A
#: store may leave them unread when no configured indicator needs them: order lines are the largest
#: table of a typical CRM (1.6 lines an order) and the default config reads none.
ON_DEMAND_FRAMES: tuple[str, ...] = ("order_lines",)

_NOT_LOADED = "crmscore.not_loaded"


class FramesError(ValueError):
    """The frames handed to scoring break the column contract."""


def not_loaded(frame: str) -> pd.DataFrame:
    """An empty stand-in for an on-demand frame that was not read; using it raises, so a config that
    needs the frame can never be scored on an empty one by mistake."""
    if frame not in ON_DEMAND_FRAMES:
        raise ValueError(f"only on-demand frames ({', '.join(ON_DEMAND_FRAMES)}) may be left unread, not {frame!r}")
    empty = _empty(frame)
    empty.attrs[_NOT_LOADED] = True
    return empty


def is_loaded(frame: pd.DataFrame) -> bool:
    """False for the stand-in :func:`not_loaded` returns."""
    return not frame.attrs.get(_NOT_LOADED, False)


def empty_frame(columns: Mapping[str, str]) -> pd.DataFrame:
    """No rows, and every column of a contract (column → dtype) with exactly that dtype (int64 ids,
    ``datetime64[us, UTC]`` stamps), so code handed an empty frame sees the same columns as a filled one."""
    return pd.DataFrame({col: pd.Series(dtype=dtype) for col, dtype in columns.items()})


def _empty(frame: str) -> pd.DataFrame:
    return empty_frame(COLUMNS[frame])


def complete_frames(given: Mapping[str, pd.DataFrame], contract: Mapping[str, Mapping[str, str]]) -> dict[str, pd.DataFrame]:
    """Every frame of ``contract``: the ``given`` ones, and an :func:`empty_frame` for the rest.

    What a frame bundle's ``empty(**frames)`` builds from (handy for tests); a name the contract
    does not have is a ``TypeError``, as an unknown keyword argument would be.
    """
    unknown = set(given) - set(contract)
    if unknown:
        raise TypeError(f"unknown frame(s): {', '.join(sorted(unknown))}")
    return {name: given[name] if name in given else empty_frame(columns) for name, columns in contract.items()}


def check_frame(where: str, frame: object, columns: Mapping[str, str], *, integer_ids: bool = False) -> None:
    """Raise :class:`FramesError` naming ``where`` and the column when ``frame`` breaks its contract.

    What is enforced: ``frame`` is a DataFrame with every column of ``columns`` (extra columns are
    allowed); if it has rows, every column declared ``datetime64`` holds timezone-aware UTC stamps
    (of any unit), and with ``integer_ids`` ``customer_id`` has an integer dtype of any width (int32
    from the typed reader, int64, nullable ``Int64``). Nothing else about the declared dtypes is
    checked: those two are the breaches that would not fail loudly later (another zone shifts every
    window, text ids match no customer), while int32 ids and categorical text are what the typed
    reader gives on purpose.

    Empty frames only need their columns: their dtypes cannot change a result, and a store query
    with no rows has untyped columns.
    """
    if not isinstance(frame, pd.DataFrame):
        raise FramesError(f"{where}: expected a pandas DataFrame, got {type(frame).__name__}")
    missing = [col for col in columns if col not in frame.columns]
    if missing:
        raise FramesError(f"{where}: missing column(s) {', '.join(missing)}")
    if frame.empty:
        return
    if integer_ids and not pd.api.types.is_integer_dtype(frame["customer_id"].dtype):
        raise FramesError(f"{where}.customer_id: expected integer ids, got dtype {frame['customer_id'].dtype}")
    for col, declared in columns.items():
        dtype = frame[col].dtype
        if declared.startswith("datetime64") and (not isinstance(dtype, pd.DatetimeTZDtype) or str(dtype.tz) != "UTC"):
            raise FramesError(f"{where}.{col}: expected timezone-aware UTC timestamps, got dtype {dtype}")


@dataclass(frozen=True)
class CRMFrames:
    """Everything scoring reads, one DataFrame per canonical entity (see ``COLUMNS``).

    ``customer_id`` is the store's integer id (int32 or int64, see :func:`check_frame`), already
    resolved; rows whose customer is not in ``customers`` are ignored by scoring. Extra columns are
    allowed and ignored.
    """

    customers: pd.DataFrame
    orders: pd.DataFrame
    order_lines: pd.DataFrame
    cases: pd.DataFrame
    activities: pd.DataFrame
    surveys: pd.DataFrame

    @classmethod
    def empty(cls, **frames: pd.DataFrame) -> CRMFrames:
        """Frames with every column and no rows, except those given (handy for tests)."""
        return cls(**complete_frames(frames, COLUMNS))

    def check(self) -> None:
        """Raise :class:`FramesError` naming the first frame and column that breaks the contract.

        Empty frames only need their columns: their dtypes cannot change a result.
        """
        for f in fields(self):
            check_frame(f"frames.{f.name}", getattr(self, f.name), COLUMNS[f.name], integer_ids=True)
        ids = self.customers["customer_id"]
        if ids.duplicated().any():
            dup = ids[ids.duplicated()].iloc[0]
            raise FramesError(f"frames.customers.customer_id: customer id {dup} appears more than once")
