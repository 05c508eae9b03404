"""The hand-built KPI portfolio of tests/scoring/kpis, written into a real store.

The same customers, orders, leads, campaigns, answers and cases as ``tests/scoring/kpis/conftest.py``
(customers A–G are 1–7 there), on source ``crm``, so the store-backed KPIs can be checked against the
figures worked out by hand for the pure functions: for Q1 2025 with a 90-day inactivity window,
leads 3, conversion 33.3 %, new customers 2, marketing spend 1,000, retention 100 %, churn 50 %,
win-back 50 %, retention spend 300, repurchase 25 %, customers 5, revenue 430, ARPU 86, CSAT 50 (4
answers), NPS +25 (4), complaints 4, complaint rate 40 %.

Source ``other`` adds customer X with a 1,000 order in February, a lead, a converted lead and a
campaign, which a caller limited to ``crm`` must never see. The newest succeeded scoring run puts A
and B in ``loyal``, C and D in ``sleeping``, E and F in ``new`` and X in ``loyal``; an older run
says everyone is ``old``, so reading the wrong run shows.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, select

from store import tables as t
from store.upsert import upsert

__all__ = ["SEGMENTS", "seed_kpi_store"]

SEGMENTS = {"A": "loyal", "B": "loyal", "C": "sleeping", "D": "sleeping", "E": "new", "F": "new", "X": "loyal"}


def _at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def _rows(source: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"source": source, **row} for row in rows]


def seed_kpi_store(engine: Engine) -> dict[str, int]:
    """Write the portfolio and two scoring runs; returns customer external id → store id."""
    orders = [
        ("o1", "A", "2024-11-15", 10.0, "order"),
        ("o2", "A", "2025-02-10", 60.0, "order"),
        ("o3", "B", "2024-12-01", 10.0, "invoice"),
        ("o4", "C", "2024-06-01", 10.0, "order"),
        ("o5", "C", "2025-03-01", 40.0, "order"),
        ("o6", "D", "2024-05-01", 10.0, "order"),
        ("o7", "E", "2025-02-01", 100.0, "order"),
        ("o8", "E", "2025-03-15", 200.0, "order"),
        ("o9", "F", "2025-01-05", 50.0, "order"),
        ("o10", "G", "2025-02-02", -20.0, "refund"),
    ]
    surveys = [
        ("s1", "A", "csat", 5, 1, 5, "2025-01-20"),
        ("s2", "C", "csat", 3, 1, 5, "2025-03-02"),
        ("s3", "E", "csat", 4, 1, 5, "2025-03-16"),
        ("s4", "F", "csat", 2, 1, 5, "2025-01-06"),
        ("s5", "E", "csat", 9, 1, 10, "2025-03-17"),
        ("s6", "B", "csat", 5, 1, 5, "2024-12-02"),
        ("s7", "A", "nps", 10, 0, 10, "2025-02-11"),
        ("s8", "E", "nps", 9, 0, 10, "2025-02-02"),
        ("s9", "C", "nps", 8, 0, 10, "2025-03-03"),
        ("s10", "F", "nps", 3, 0, 10, "2025-04-01"),
    ]
    cases = [
        ("k1", "B", "2025-01-10", True),
        ("k2", "B", "2025-02-01", True),
        ("k3", "E", "2025-03-01", True),
        ("k4", "D", "2025-02-01", True),
        ("k5", "A", "2025-02-15", False),
        ("k6", "E", "2024-12-15", True),
    ]
    with engine.begin() as conn:
        upsert(
            conn,
            t.customers,
            _rows("crm", [{"external_id": x, "name": f"Customer {x}", "kind": "company"} for x in "ABCDEFG"])
            + _rows("other", [{"external_id": "X", "name": "Customer X", "kind": "company"}]),
        )
        upsert(
            conn,
            t.orders,
            _rows(
                "crm",
                [
                    {"external_id": e, "customer_external_id": c, "ordered_at": _at(d), "amount": a, "kind": k}
                    for e, c, d, a, k in orders
                ],
            )
            + _rows(
                "other",
                [{"external_id": "o1", "customer_external_id": "X", "ordered_at": _at("2025-02-20"), "amount": 1000.0, "kind": "order"}],
            ),
        )
        upsert(
            conn,
            t.campaigns,
            _rows(
                "crm",
                [
                    {"external_id": "K1", "name": "Winter mail", "channel": "email", "started_at": _at("2025-01-05"), "cost": 1000.0},
                    {"external_id": "K2", "name": "Autumn mail", "channel": "email", "started_at": _at("2024-12-01"), "cost": 500.0},
                    {"external_id": "K3", "name": "Keep them", "channel": "retention", "started_at": _at("2025-02-01"), "cost": 300.0},
                ],
            )
            + _rows(
                "other",
                [{"external_id": "K1", "name": "Other fair", "channel": "events", "started_at": _at("2025-01-07"), "cost": 50.0}],
            ),
        )
        lead_rows = [
            ("L1", "2025-01-10", "2025-01-20", "K1", "E"),
            ("L2", "2025-02-01", None, "K1", None),
            ("L3", "2025-03-20", "2025-04-05", "K2", "I"),  # became a customer the store does not hold
            ("L4", "2024-12-20", "2025-01-03", "K2", "F"),
        ]
        upsert(
            conn,
            t.leads,
            _rows(
                "crm",
                [
                    {
                        "external_id": e,
                        "created_at": _at(c),
                        "converted_at": None if v is None else _at(v),
                        "campaign_external_id": k,
                        "customer_external_id": x,
                    }
                    for e, c, v, k, x in lead_rows
                ],
            )
            + _rows(
                "other",
                [
                    {"external_id": "L1", "created_at": _at("2025-01-08"), "converted_at": _at("2025-01-09"),
                     "campaign_external_id": "K1", "customer_external_id": "X"},
                    {"external_id": "L2", "created_at": _at("2025-01-08"), "converted_at": None,
                     "campaign_external_id": None, "customer_external_id": None},
                ],
            ),
        )  # fmt: skip
        upsert(
            conn,
            t.survey_responses,
            _rows(
                "crm",
                [
                    {"external_id": e, "customer_external_id": c, "survey": s, "score": float(v), "scale_min": float(lo),
                     "scale_max": float(hi), "responded_at": _at(d)}
                    for e, c, s, v, lo, hi, d in surveys
                ],
            ),
        )  # fmt: skip
        upsert(
            conn,
            t.cases,
            _rows(
                "crm",
                [
                    {"external_id": e, "customer_external_id": c, "opened_at": _at(d), "is_complaint": k}
                    for e, c, d, k in cases
                ],
            )
            + _rows("other", [{"external_id": "k1", "customer_external_id": "X", "opened_at": _at("2025-02-21"), "is_complaint": True}]),
        )
        ids = {x: pk for x, pk in conn.execute(select(t.customers.c.external_id, t.customers.c.id))}
        config_id = conn.execute(
            insert(t.config_versions).returning(t.config_versions.c.id),
            {"name": "kpi test", "body": {"indicators": []}, "checksum": "0" * 64, "created_at": _at("2025-04-01"), "active": True},
        ).scalar_one()
        for segment_of in ({x: "old" for x in SEGMENTS}, SEGMENTS):
            run_id = conn.execute(
                insert(t.scoring_runs).returning(t.scoring_runs.c.id),
                {"status": "succeeded", "config_version_id": config_id, "as_of": _at("2025-04-01"),
                 "started_at": _at("2025-04-01"), "finished_at": _at("2025-04-01"), "customers_scored": len(segment_of)},
            ).scalar_one()  # fmt: skip
            conn.execute(
                insert(t.scores),
                [{"run_id": run_id, "customer_id": ids[x], "segment": s} for x, s in segment_of.items()],
            )
    return ids
