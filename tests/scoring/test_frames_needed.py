"""On-demand frames: read only when a configured indicator needs them, and never used unread."""

from __future__ import annotations

import pandas as pd
import pytest

from scoring import CRMFrames, FramesError, ScoringConfig, score_customers
from scoring.frames import is_loaded, not_loaded
from scoring.frames_needed import unread_frames

AS_OF = pd.Timestamp("2026-06-30", tz="UTC")


def _config_with(*kinds: str) -> ScoringConfig:
    indicators = [
        {"key": kind, "label": kind, "kind": kind, "direction": "higher_is_better", "normalise": {"method": "percentile"}, "weight": 1}
        for kind in kinds
    ]
    return ScoringConfig.from_dict({"version": 1, "window_days": 365, "indicators": indicators})


def test_a_config_without_cross_sell_leaves_the_order_lines_unread() -> None:
    assert unread_frames(_config_with("recency", "frequency", "monetary", "nps")) == frozenset({"order_lines"})


def test_a_config_with_cross_sell_needs_the_order_lines() -> None:
    assert unread_frames(_config_with("recency", "cross_sell")) == frozenset()


def test_scoring_an_indicator_on_a_frame_left_unread_fails_instead_of_counting_nothing() -> None:
    customers = pd.DataFrame(
        {
            "customer_id": [1],
            "name": ["Acme"],
            "kind": ["company"],
            "created_at": pd.to_datetime(["2025-01-01"], utc=True).as_unit("us"),
            "active": [True],
        }
    )
    frames = CRMFrames.empty(customers=customers, order_lines=not_loaded("order_lines"))
    with pytest.raises(FramesError, match=r"frames\.order_lines was not read from the store, but an indicator needs it"):
        score_customers(frames, _config_with("cross_sell"), AS_OF.to_pydatetime())


def test_only_on_demand_frames_can_be_left_unread() -> None:
    assert not is_loaded(not_loaded("order_lines"))
    assert is_loaded(pd.DataFrame())
    with pytest.raises(ValueError, match=r"only on-demand frames \(order_lines\) may be left unread, not 'orders'"):
        not_loaded("orders")
