"""The indicator library: each kind is a vectorised function registered under its ``kind`` name.

Importing this package registers the built-in kinds (purchases, surveys, engagement).
"""

from scoring.indicators import engagement, purchases, surveys  # noqa: F401  (registration)
from scoring.indicators.context import IndicatorOutput, IndicatorParams, ScoringData
from scoring.indicators.registry import IndicatorKind, get_kind, kinds, register, resolve_params

__all__ = [
    "IndicatorKind",
    "IndicatorOutput",
    "IndicatorParams",
    "ScoringData",
    "get_kind",
    "kinds",
    "register",
    "resolve_params",
]
