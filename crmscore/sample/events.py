"""Timed events per customer as a thinned Poisson process over each customer's observable life.

Drawing a Poisson count per customer at a capped rate, spreading the events uniformly over
``created .. end`` and keeping each with a probability that depends on its time is exact for any
time-varying rate below the cap, and stays fully vectorised. Because a life ends at churn, no
event ever falls after a churner's churn date.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from crmscore.sample.population import Cohort
from crmscore.sample.text import MONTH

__all__ = ["events"]

Acceptance = Callable[[np.ndarray, np.ndarray], np.ndarray]


def events(
    rng: np.random.Generator, c: Cohort, rate: np.ndarray, accept: Acceptance | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Customer positions and epoch-second times of events, sorted by customer then time.

    ``rate`` is the per-customer monthly rate cap; ``accept(who, t)`` the share kept at time ``t``
    (by default the customer's vitality, so activity fades before churn).
    """
    accept = accept or c.vitality
    span = np.maximum(c.end - c.created, 0)
    count = rng.poisson(rate * span / MONTH)
    who = np.repeat(np.arange(c.n), count)
    t = c.created[who] + (rng.random(len(who)) * span[who]).astype(np.int64)
    keep = rng.random(len(who)) < accept(who, t)
    who, t = who[keep], t[keep]
    order = np.lexsort((t, who))
    return who[order], t[order]
