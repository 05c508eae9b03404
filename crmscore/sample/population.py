"""Who the sample customers are, and the hidden churn process behind everything they do.

Each customer gets a latent monthly churn hazard and, from it, a churn time that may fall before
``as_of`` (a churner) or after it (still active, but possibly already fading). In a window of a few
months before that time the customer's engagement decays; every event generator thins its events
by :meth:`Cohort.vitality`, so orders, activities and survey answers thin out before churn, and
nothing happens after it. That is the signal the scoring indicators must find.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmscore.sample import words as w
from crmscore.sample.marketing import Campaigns, pick_campaigns
from crmscore.sample.text import DAY, MONTH, concat, ids, iso, maybe, slug

__all__ = ["HISTORY_DAYS", "MEDIAN_HAZARD", "Cohort", "contact_rows", "customer_rows", "make_cohort", "truth_rows"]

HISTORY_DAYS = 3 * 365
_FLOOR = 0.15  # engagement left at the moment of churn, relative to normal
# Median monthly churn hazard of persons and of companies: companies stay longer.
MEDIAN_HAZARD = {"person": 0.028, "company": 0.015}


@dataclass
class Cohort:
    """One chunk of customers with their observable traits and latent churn state (arrays of length n)."""

    as_of: int
    first: int  # global 0-based number of the chunk's first customer
    ids: np.ndarray
    b2b: np.ndarray
    created: np.ndarray  # epoch seconds
    country: np.ndarray  # index into words.COUNTRIES
    hazard: np.ndarray  # monthly churn hazard
    churn_at: np.ndarray  # latent churn time (epoch s); beyond as_of for customers still active
    window: np.ndarray  # length of the pre-churn decline, seconds
    lead_at: np.ndarray  # when the customer's converted lead was created; -1 when no lead
    campaign: np.ndarray  # campaign index of that lead, -1 when organic or no lead
    favourite: np.ndarray  # index into words.PRODUCT_CATEGORIES
    loyalty: np.ndarray  # 0..1, high for low-hazard customers; widens their product mix
    names: np.ndarray

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def end(self) -> np.ndarray:
        """The end of each customer's observable life: churn or ``as_of``, whichever is first."""
        return np.minimum(self.churn_at, self.as_of)

    @property
    def churned(self) -> np.ndarray:
        return self.churn_at <= self.as_of

    def hazard_z(self) -> np.ndarray:
        """Each customer's hazard against its kind's median, on a log scale (0 = typical)."""
        return np.log(self.hazard / np.where(self.b2b, MEDIAN_HAZARD["company"], MEDIAN_HAZARD["person"]))

    def decline(self, who: np.ndarray, t: np.ndarray) -> np.ndarray:
        """How far into its pre-churn decline customer ``who`` is at time ``t``: 0 (normal) to 1 (gone)."""
        start = self.churn_at[who] - self.window[who]
        return np.clip((t - start) / self.window[who], 0.0, 1.0)

    def vitality(self, who: np.ndarray, t: np.ndarray) -> np.ndarray:
        """The share of normal engagement left at time ``t``: 1 before the decline, falling to the floor."""
        return 1.0 - (1.0 - _FLOOR) * self.decline(who, t)


def make_cohort(rng: np.random.Generator, first: int, n: int, as_of: int, campaigns: Campaigns) -> Cohort:
    start = as_of - HISTORY_DAYS * DAY
    b2b = rng.random(n) < 0.3
    # Growth: more customers were won recently than three years ago (density rising linearly).
    created = (start + np.sqrt(rng.random(n)) * (as_of - 30 * DAY - start)).astype(np.int64)
    country = rng.choice(len(w.COUNTRIES), size=n, p=w.COUNTRY_WEIGHTS)

    has_lead = rng.random(n) < 0.65
    lag_days = np.where(b2b, rng.uniform(14, 120, n), rng.uniform(1, 45, n))
    lead_at = np.where(has_lead, created - (lag_days * DAY).astype(np.int64), -1)
    campaign = np.where(has_lead, pick_campaigns(rng, campaigns, lead_at), -1)
    channel_factor = np.where(campaign >= 0, w.CHANNEL_HAZARD[campaigns.channel[np.maximum(campaign, 0)]], 1.0)

    hazard = np.exp(rng.normal(np.log(np.where(b2b, MEDIAN_HAZARD["company"], MEDIAN_HAZARD["person"])), 0.8)) * channel_factor
    hazard = np.clip(hazard, 0.001, 0.4)
    churn_at = created + 60 * DAY + (rng.exponential(1.0, n) / hazard * MONTH).astype(np.int64)
    window = (rng.uniform(75, 180, n) * DAY).astype(np.int64)
    # Rank of hazard within the chunk, inverted: 1 for the most loyal customer.
    loyalty = 1.0 - (np.argsort(np.argsort(hazard)) + 0.5) / n

    numbers = np.arange(first + 1, first + n + 1)
    return Cohort(
        as_of=as_of,
        first=first,
        ids=ids("C", numbers, 7),
        b2b=b2b,
        created=created,
        country=country,
        hazard=hazard,
        churn_at=churn_at,
        window=window,
        lead_at=lead_at,
        campaign=campaign,
        favourite=rng.integers(0, len(w.PRODUCT_CATEGORIES), n),
        loyalty=loyalty,
        names=_names(rng, b2b),
    )


def _person_names(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return w.FIRST_NAMES[rng.integers(0, len(w.FIRST_NAMES), n)], w.LAST_NAMES[rng.integers(0, len(w.LAST_NAMES), n)]


def _names(rng: np.random.Generator, b2b: np.ndarray) -> np.ndarray:
    n = len(b2b)
    first, last = _person_names(rng, n)
    people = concat(first, " ", last)
    head = w.COMPANY_HEADS[rng.integers(0, len(w.COMPANY_HEADS), n)]
    tail = w.COMPANY_TAILS[rng.integers(0, len(w.COMPANY_TAILS), n)]
    suffix = w.COMPANY_SUFFIXES[rng.integers(0, len(w.COMPANY_SUFFIXES), n)]
    companies = concat(head, " ", tail, " ", suffix)
    return np.where(b2b, companies, people)


def _phones(rng: np.random.Generator, country: np.ndarray) -> np.ndarray:
    return concat(w.COUNTRY_PHONE[country], " ", rng.integers(100_000_000, 999_999_999, len(country)).astype(str))


def customer_rows(rng: np.random.Generator, c: Cohort) -> pd.DataFrame:
    n = c.n
    numbers = np.arange(c.first + 1, c.first + n + 1).astype(str)
    domain = concat(slug(c.names), ".example")
    email = np.where(
        c.b2b,
        concat("info@", domain),
        concat(slug(c.names), numbers, "@mail.example"),
    )
    # A CRM marks lost customers inactive, but late and not always: only long-gone churners, mostly.
    long_gone = c.churned & (c.churn_at < c.as_of - 120 * DAY)
    active = ~(long_gone & (rng.random(n) < 0.75))
    life = c.end - c.created
    modified = c.created + (rng.random(n) * life).astype(np.int64)
    return pd.DataFrame(
        {
            "external_id": c.ids.astype(object),
            "name": c.names.astype(object),
            "kind": np.where(c.b2b, "company", "person").astype(object),
            "email": email.astype(object),
            "phone": maybe(_phones(rng, c.country), rng.random(n) < 0.85),
            "country": w.COUNTRIES[c.country].astype(object),
            "industry": maybe(w.INDUSTRIES[rng.integers(0, len(w.INDUSTRIES), n)], c.b2b),
            "owner": w.OWNERS[rng.integers(0, len(w.OWNERS), n)].astype(object),
            "created_at": iso(c.created),
            "active": active,
            "modified_at": iso(modified),
        }
    )


def contact_rows(rng: np.random.Generator, c: Cohort, first_number: int) -> pd.DataFrame:
    """People at company customers (1–4 each); person customers are their own contact."""
    per = np.where(c.b2b, 1 + np.minimum(rng.poisson(1.0, c.n), 3), 0)
    who = np.repeat(np.arange(c.n), per)
    m = len(who)
    first, last = _person_names(rng, m)
    domain = concat(slug(c.names[who]), ".example")
    return pd.DataFrame(
        {
            "external_id": ids("CT", np.arange(first_number, first_number + m), 8).astype(object),
            "customer_external_id": c.ids[who].astype(object),
            "name": concat(first, " ", last).astype(object),
            "email": concat(slug(first), ".", slug(last), "@", domain).astype(object),
            "phone": maybe(_phones(rng, c.country[who]), rng.random(m) < 0.7),
            "title": w.JOB_TITLES[rng.integers(0, len(w.JOB_TITLES), m)].astype(object),
            "modified_at": iso(c.created[who] + (rng.random(m) * (c.end - c.created)[who]).astype(np.int64)),
        }
    )


def truth_rows(c: Cohort) -> pd.DataFrame:
    churned = c.churned
    return pd.DataFrame(
        {
            "customer_external_id": c.ids.astype(object),
            "churned": churned,
            "churned_at": iso(c.churn_at, missing=~churned),
            "churn_hazard": np.round(c.hazard, 6),
        }
    )
