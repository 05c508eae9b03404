"""The public surface of scoring is exactly what __all__ lists."""

from __future__ import annotations

import scoring


def test_all_lists_every_public_name_and_each_exists():
    assert sorted(scoring.__all__) == sorted(
        ["CRMFrames", "FramesError", "ScoreResult", "ScoringConfig", "csat", "nps", "nps_class", "score_customers"]
    )
    assert all(hasattr(scoring, name) for name in scoring.__all__)
