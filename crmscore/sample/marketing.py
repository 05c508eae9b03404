"""Campaigns and the leads they bring in.

Campaigns are made once for the whole sample (they do not belong to a chunk of customers); leads
are made per chunk: one converted lead for most customers, dated shortly before the customer was
created and converted exactly at that moment, plus leads that never converted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmscore.sample import words as w
from crmscore.sample.text import DAY, concat, ids, iso, maybe

__all__ = ["Campaigns", "campaign_rows", "lead_rows", "make_campaigns", "pick_campaigns"]

_RECENT = 6  # a lead comes from one of the last few campaigns started before it


@dataclass
class Campaigns:
    ids: np.ndarray
    names: np.ndarray
    channel: np.ndarray  # index into words.CHANNELS
    started: np.ndarray  # epoch seconds, ascending
    ended: np.ndarray
    cost: np.ndarray


def make_campaigns(rng: np.random.Generator, count: int, history_start: int, as_of: int) -> Campaigns:
    started = np.sort(rng.integers(history_start - 60 * DAY, as_of - 7 * DAY, count))
    channel = rng.choice(len(w.CHANNELS), size=count, p=w.CHANNEL_WEIGHTS)
    ended = started + (rng.uniform(7, 90, count) * DAY).astype(np.int64)
    cost = np.round(w.CHANNEL_COST[channel] * np.exp(rng.normal(0.0, 0.5, count)), 2)
    month = np.datetime_as_string(started.astype("datetime64[s]"), unit="M")
    theme = w.CAMPAIGN_THEMES[rng.integers(0, len(w.CAMPAIGN_THEMES), count)]
    return Campaigns(
        ids=ids("CMP", np.arange(1, count + 1), 5),
        names=concat(theme, " ", month, " (", w.CHANNELS[channel], ")"),
        channel=channel,
        started=started,
        ended=ended,
        cost=cost,
    )


def campaign_rows(c: Campaigns, as_of: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "external_id": c.ids.astype(object),
            "name": c.names.astype(object),
            "channel": w.CHANNELS[c.channel].astype(object),
            "started_at": iso(c.started),
            # A campaign still running at as_of has no end date yet.
            "ended_at": iso(c.ended, missing=c.ended > as_of),
            "cost": c.cost,
            "modified_at": iso(np.minimum(c.ended, as_of)),
        }
    )


def pick_campaigns(rng: np.random.Generator, c: Campaigns, at: np.ndarray, share: float = 0.75) -> np.ndarray:
    """For leads created at ``at``: a recently started campaign (index), or -1 for organic leads."""
    started_before = np.searchsorted(c.started, at, side="right")
    back = np.floor(rng.random(len(at)) * np.minimum(started_before, _RECENT)).astype(np.int64)
    chosen = started_before - 1 - back
    organic = (started_before == 0) | (rng.random(len(at)) >= share)
    return np.where(organic, -1, chosen)


def lead_rows(
    rng: np.random.Generator,
    campaigns: Campaigns,
    *,
    lead_at: np.ndarray,
    converted_at: np.ndarray,
    campaign: np.ndarray,
    customer_ids: np.ndarray,
    names: np.ndarray,
    unconverted: int,
    history_start: int,
    as_of: int,
    first_number: int,
) -> pd.DataFrame:
    """Converted leads (one per given customer) followed by ``unconverted`` leads that went nowhere."""
    k = unconverted
    open_at = (history_start + np.sqrt(rng.random(k)) * (as_of - DAY - history_start)).astype(np.int64)
    open_campaign = pick_campaigns(rng, campaigns, open_at)
    recent = open_at > as_of - 45 * DAY
    status = np.where(
        recent,
        np.where(rng.random(k) < 0.6, "new", "qualified"),
        np.where(rng.random(k) < 0.85, "lost", "qualified"),
    )
    first, last = w.FIRST_NAMES[rng.integers(0, len(w.FIRST_NAMES), k)], w.LAST_NAMES[rng.integers(0, len(w.LAST_NAMES), k)]

    created = np.concatenate([lead_at, open_at])
    chosen = np.concatenate([campaign, open_campaign])
    organic = w.ORGANIC_CHANNELS[rng.integers(0, len(w.ORGANIC_CHANNELS), len(created))]
    channel = np.where(chosen >= 0, w.CHANNELS[campaigns.channel[np.maximum(chosen, 0)]], organic)
    conv = len(lead_at)
    all_status = np.concatenate([np.full(conv, "converted"), status])
    touched = np.concatenate([converted_at, open_at + (rng.random(k) * (as_of - open_at)).astype(np.int64)])
    return pd.DataFrame(
        {
            "external_id": ids("L", np.arange(first_number, first_number + conv + k), 8).astype(object),
            "name": np.concatenate([names, concat(first, " ", last)]).astype(object),
            "status": all_status.astype(object),
            "source_channel": channel.astype(object),
            "campaign_external_id": maybe(campaigns.ids[np.maximum(chosen, 0)], chosen >= 0),
            "created_at": iso(created),
            "converted_at": iso(np.concatenate([converted_at, open_at]), missing=np.arange(conv + k) >= conv),
            "customer_external_id": np.concatenate([customer_ids, np.full(k, None)]).astype(object),
            "modified_at": iso(touched),
        }
    )
