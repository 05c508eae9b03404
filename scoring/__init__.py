"""Pure customer scoring: DataFrames in, DataFrames out, no I/O.

``score_customers(frames, config, as_of)`` computes configured indicators (library kinds and admin
formulas), normalises them to 0–100, combines them per scorecard into an explainable health score
with bands, and assigns RFM scores and segments. ``nps``/``csat`` give the portfolio-level
satisfaction metrics with the published formulas; ``scoring.kpis`` the portfolio KPIs by period;
``scoring.alerts`` decides which alert rules fire.
"""

from scoring.config import ScoringConfig
from scoring.engine import ScoreResult, score_customers
from scoring.frames import CRMFrames, FramesError
from scoring.portfolio import csat, nps, nps_class

__all__ = [
    "CRMFrames",
    "FramesError",
    "ScoreResult",
    "ScoringConfig",
    "csat",
    "nps",
    "nps_class",
    "score_customers",
]
