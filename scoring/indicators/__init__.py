"""The indicator library: each kind is a vectorised function registered under its ``kind`` name.

Importing this package registers the built-in kinds (purchases, loyalty, value, surveys, service,
engagement). ``kind: formula`` is not in the registry: the engine compiles it from the config.
"""

from scoring.indicators import engagement, loyalty, purchases, service, surveys, value  # noqa: F401  (registration)
from scoring.indicators.context import IndicatorOutput, IndicatorParams, ScoringData
from scoring.indicators.registry import (
    IndicatorKind,
    get_kind,
    kinds,
    register,
    resolve_params,
)

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
