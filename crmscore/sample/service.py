"""How customers and the company talk: support cases, activities and survey answers.

Customers heading for churn open more cases, more of them complaints, wait longer for answers,
reach out less on their own, and score lower on CSAT and NPS; a customer's latent hazard also
lowers its satisfaction all along, so the signal is there before the decline starts too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmscore.sample import words as w
from crmscore.sample.events import events
from crmscore.sample.population import Cohort
from crmscore.sample.text import ids, iso, maybe

__all__ = ["activity_rows", "case_rows", "survey_rows"]

_PRIORITIES = np.array(["low", "medium", "high", "urgent"])
_KINDS = np.array(["call", "meeting", "email", "task"])
_B2B_KINDS = np.array([0.35, 0.25, 0.3, 0.1])
_B2C_KINDS = np.array([0.2, 0.0, 0.75, 0.05])
_CASE_SURGE = 3.0  # case rate at the moment of churn, relative to normal


def _pick(rng: np.random.Generator, probabilities: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One category per row from a per-row choice of two distributions (rows: bool, True = first)."""
    u = rng.random(len(rows))
    return np.where(rows, np.searchsorted(np.cumsum(probabilities[0]), u, side="right"),
                    np.searchsorted(np.cumsum(probabilities[1]), u, side="right")).clip(0, probabilities.shape[1] - 1)


def case_rows(rng: np.random.Generator, c: Cohort, first_number: int) -> pd.DataFrame:
    rate = np.where(c.b2b, 0.15, 0.06) * np.exp(0.3 * c.hazard_z()).clip(0.3, 3.0)

    def accept(who: np.ndarray, t: np.ndarray) -> np.ndarray:
        return (1.0 + (_CASE_SURGE - 1.0) * c.decline(who, t)) / _CASE_SURGE

    who, opened = events(rng, c, rate * _CASE_SURGE, accept)
    m = len(who)
    souring = c.decline(who, opened)
    complaint = rng.random(m) < 0.1 + 0.04 * c.hazard_z()[who].clip(-1, 2) + 0.4 * souring
    priority = _pick(rng, np.array([[0.05, 0.3, 0.45, 0.2], [0.4, 0.45, 0.12, 0.03]]), complaint)
    # Hours to a first answer: a few, and slower as the relationship sours.
    respond_h = np.exp(rng.normal(np.log(4.0), 1.0, m)) * (1.0 + 1.5 * souring)
    first_response = opened + (respond_h * 3600).astype(np.int64)
    solve_h = np.exp(rng.normal(np.log(40.0), 1.0, m)) * np.where(priority >= 2, 0.5, 1.0)
    closed = first_response + (solve_h * 3600).astype(np.int64)
    unanswered = first_response > c.as_of
    still_open = closed > c.as_of
    subject = np.where(
        complaint,
        w.COMPLAINT_SUBJECTS[rng.integers(0, len(w.COMPLAINT_SUBJECTS), m)],
        w.CASE_SUBJECTS[rng.integers(0, len(w.CASE_SUBJECTS), m)],
    )
    return pd.DataFrame(
        {
            "external_id": ids("CS", np.arange(first_number, first_number + m), 7).astype(object),
            "customer_external_id": c.ids[who].astype(object),
            "subject": subject.astype(object),
            "priority": _PRIORITIES[priority].astype(object),
            "status": np.where(still_open, np.where(unanswered, "new", "open"), "closed").astype(object),
            "is_complaint": complaint,
            "opened_at": iso(opened),
            "first_response_at": iso(first_response, missing=unanswered),
            "closed_at": iso(closed, missing=still_open),
            "modified_at": iso(np.minimum(np.where(still_open, first_response, closed), c.as_of)),
        }
    )


def activity_rows(rng: np.random.Generator, c: Cohort, first_number: int) -> pd.DataFrame:
    rate = np.where(c.b2b, 2.0, 0.6) * np.exp(rng.normal(0.0, 0.4, c.n))
    who, t = events(rng, c, rate)
    m = len(who)
    b2b = c.b2b[who]
    kind = _pick(rng, np.stack([_B2B_KINDS, _B2C_KINDS]), b2b)
    # Customers who drift away stop calling in: the inbound share halves through the decline.
    inbound = rng.random(m) < 0.45 * (1.0 - 0.55 * c.decline(who, t))
    direction = maybe(np.where(inbound, "inbound", "outbound"), _KINDS[kind] != "task")
    return pd.DataFrame(
        {
            "external_id": ids("A", np.arange(first_number, first_number + m), 9).astype(object),
            "customer_external_id": c.ids[who].astype(object),
            "kind": _KINDS[kind].astype(object),
            "direction": direction,
            "occurred_at": iso(t),
            "modified_at": iso(t),
        }
    )


def survey_rows(rng: np.random.Generator, c: Cohort, first_number: int) -> pd.DataFrame:
    rate = np.where(c.b2b, 0.1, 0.08)

    def accept(who: np.ndarray, t: np.ndarray) -> np.ndarray:
        return 0.6 + 0.4 * c.vitality(who, t)  # unhappy customers still answer, a bit less

    who, t = events(rng, c, rate, accept)
    m = len(who)
    satisfaction = rng.normal(0.0, 0.8, m) - 0.35 * c.hazard_z()[who] - 1.6 * c.decline(who, t)
    nps = rng.random(m) < 0.4
    csat_score = np.clip(np.round(4.0 + 0.9 * satisfaction), 1, 5)
    nps_score = np.clip(np.round(8.0 + 1.8 * satisfaction), 0, 10)
    return pd.DataFrame(
        {
            "external_id": ids("SR", np.arange(first_number, first_number + m), 8).astype(object),
            "customer_external_id": c.ids[who].astype(object),
            "survey": np.where(nps, "nps", "csat").astype(object),
            "score": np.where(nps, nps_score, csat_score).astype(np.int64),
            "scale_min": np.zeros(m, dtype=np.int64) + np.where(nps, 0, 1),
            "scale_max": np.where(nps, 10, 5).astype(np.int64),
            "responded_at": iso(t),
            "modified_at": iso(t),
        }
    )
