"""Reading the store into the DataFrames scoring takes (the store → scoring edge).

Scoring is pure and knows nothing about SQL; this module is the only place that turns tables into
:class:`scoring.frames.CRMFrames`. References between entities are stored as the CRM's external ids,
so every child table is joined to ``customers`` on ``(source, customer_external_id)`` here, once,
and scoring sees the integer ``customer_id``. Rows whose customer is unknown (orphans) are left out.

Scoring's frames are read chunk by chunk into typed columns (:mod:`crmscore.columns_read`);
:func:`read_frame` is the simpler reader the KPI tables use: timestamps fetched raw and parsed by
pandas in one vectorised call, since a Python ``datetime`` per value costs seconds at a few
million orders.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, Connection, Select, and_, cast, extract, select

from crmscore.columns_read import read_columns, release_free_memory
from scoring.frames import ON_DEMAND_FRAMES, CRMFrames, not_loaded
from store import tables as t

__all__ = ["customer_join", "load_frames", "read_frame"]


def _read(conn: Connection, stmt: Select[Any], dates: Sequence[str] = ()) -> pd.DataFrame:
    # The statements here carry no user input, so binding literals is safe and keeps one code path.
    # Rows come from the DBAPI cursor as plain tuples: building a DataFrame from SQLAlchemy Row
    # objects costs ~15 µs a row in attribute probing (90 s of 136 s at 100,000 customers).
    postgres = conn.dialect.name == "postgresql"
    if postgres and dates:
        # psycopg would build a Python datetime per value and pandas would convert them one by one
        # (43 s of 99 s at 100,000 customers); epoch microseconds arrive as integers instead.
        stmt = stmt.with_only_columns(
            *(
                cast(extract("epoch", col) * 1_000_000, BigInteger).label(col.name) if col.name in dates else col
                for col in stmt.selected_columns
            ),
            maintain_column_froms=True,
        )
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(str(compiled))
        names = [d[0] for d in cursor.description]
        frame = pd.DataFrame.from_records(cursor.fetchall(), columns=names)
    finally:
        cursor.close()
    for col in dates:
        if postgres:
            micros = pd.array(frame[col], dtype="Int64")
            frame[col] = pd.to_datetime(micros, unit="us", utc=True)
        else:
            frame[col] = pd.to_datetime(frame[col], utc=True, format="ISO8601").dt.as_unit("us")
    return frame


def _joined(child: Any, *columns: Any) -> Select[Any]:
    c = t.customers.c
    return select(c.id.label("customer_id"), *columns).select_from(
        child.join(
            t.customers,
            and_(child.c.source == c.source, child.c.customer_external_id == c.external_id),
        )
    )


#: The two building blocks above, for the other store → DataFrame readers (crmscore.portfolio_kpis):
#: ``read_frame(conn, select, dates=[...])`` and ``customer_join(child_table, *columns)``.
read_frame = _read
customer_join = _joined


def _lines_of(orders: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """Order lines with their order's customer and date, taken from the orders already read.

    Joining lines to orders and then to customers in SQL costs two index lookups and a timestamp
    a line, for some 30 million lines at a million customers; one lookup to the order's id and a
    ``searchsorted`` here cost a fraction. Lines whose order is not in ``orders`` (its customer is
    unknown) are left out, as the SQL join would.
    """
    ids = orders["order_id"].to_numpy()
    order = None if len(ids) < 2 or bool((ids[1:] > ids[:-1]).all()) else np.argsort(ids, kind="stable")
    sorted_ids = ids if order is None else ids[order]
    wanted = lines["order_id"].to_numpy()
    at = np.searchsorted(sorted_ids, wanted).clip(max=max(len(ids) - 1, 0))
    found = sorted_ids[at] == wanted if len(ids) else np.zeros(len(wanted), dtype=bool)
    rows = at[found] if order is None else order[at[found]]
    return pd.DataFrame(
        {
            "customer_id": orders["customer_id"].to_numpy()[rows],
            "ordered_at": orders["ordered_at"].array[rows],
            "category": lines["category"].array[found],
        }
    )


def load_frames(conn: Connection, *, skip: Collection[str] = ()) -> CRMFrames:
    """Everything scoring reads, one query a table, each column read straight into its final dtype
    (see :mod:`crmscore.columns_read`): a million customers' 20 million orders fit in memory.

    ``skip`` names on-demand frames to leave unread (``scoring.frames_needed.unread_frames`` of the
    config): using one of them in scoring then raises instead of seeing an empty frame.
    """
    unknown = set(skip) - set(ON_DEMAND_FRAMES)
    if unknown:
        raise ValueError(f"only on-demand frames ({', '.join(ON_DEMAND_FRAMES)}) can be skipped, not {sorted(unknown)}")
    c = t.customers.c
    customers = read_columns(
        conn,
        select(c.id.label("customer_id"), c.source, c.name, c.kind, c.created_at, c.active).order_by(c.id),
        {"customer_id": "id", "source": "category", "name": "text", "kind": "category", "created_at": "time", "active": "bool"},
    )
    o = t.orders.c
    lines_needed = "order_lines" not in skip
    order_columns = [o.id.label("order_id")] if lines_needed else []  # to attach lines to their order
    orders = read_columns(
        conn,
        _joined(t.orders, *order_columns, o.ordered_at, o.amount, o.kind),
        {"customer_id": "id", "ordered_at": "time", "amount": "float", "kind": "category"}
        | ({"order_id": "id"} if lines_needed else {}),
    )
    if not lines_needed:
        order_lines = not_loaded("order_lines")
    else:
        ol = t.order_lines.c
        lines = read_columns(
            conn,
            select(o.id.label("order_id"), ol.category).select_from(
                t.order_lines.join(t.orders, and_(ol.source == o.source, ol.order_external_id == o.external_id))
            ),
            {"order_id": "id", "category": "category"},
        )
        order_lines = _lines_of(orders, lines)
        del lines
        orders = orders.drop(columns="order_id")
    k = t.cases.c
    cases = read_columns(
        conn,
        _joined(t.cases, k.opened_at, k.first_response_at, k.closed_at, k.is_complaint, k.priority),
        {
            "customer_id": "id",
            "opened_at": "time",
            "first_response_at": "time",
            "closed_at": "time",
            "is_complaint": "bool",
            "priority": "category",
        },
    )
    a = t.activities.c
    activities = read_columns(
        conn,
        _joined(t.activities, a.kind, a.direction, a.occurred_at),
        {"customer_id": "id", "kind": "category", "direction": "category", "occurred_at": "time"},
    )
    s = t.survey_responses.c
    surveys = read_columns(
        conn,
        _joined(t.survey_responses, s.survey, s.score, s.scale_min, s.scale_max, s.responded_at),
        {
            "customer_id": "id",
            "survey": "category",
            "score": "float",
            "scale_min": "float",
            "scale_max": "float",
            "responded_at": "time",
        },
    )
    release_free_memory()
    return CRMFrames(
        customers=customers,
        orders=orders,
        order_lines=order_lines,
        cases=cases,
        activities=activities,
        surveys=surveys,
    )
