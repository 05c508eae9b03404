"""What "churned" means for a model or a backtest: the config's churn definition, made explicit.

Three definitions are supported because CRMs differ in what they know: a subscription business has
contract end dates, a shop only sees customers going quiet (inactivity longer than k days), and a
probabilistic view asks whether BG/NBD still thinks the customer is alive.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["CHURN_KINDS", "ChurnDefinition"]

CHURN_KINDS = ("inactivity", "p_alive", "contract_end")


@dataclass(frozen=True)
class ChurnDefinition:
    """``kind``: inactivity (no order or activity for more than ``inactivity_days``), p_alive (BG/NBD
    P(alive) below ``p_alive_threshold``) or contract_end (a ``contract_end`` column in the customers
    frame falls inside the horizon). ``horizon_days``: the label looks at (t, t + horizon]."""

    kind: str = "inactivity"
    horizon_days: int = 90
    inactivity_days: int = 90
    p_alive_threshold: float = 0.5

    def __post_init__(self) -> None:
        if self.kind not in CHURN_KINDS:
            raise ValueError(
                f"churn.kind: {self.kind!r} is not one of {', '.join(CHURN_KINDS)}"
            )
        if self.horizon_days < 1:
            raise ValueError(
                f"churn.horizon_days: must be at least 1, got {self.horizon_days}"
            )
        if self.inactivity_days < 1:
            raise ValueError(
                f"churn.inactivity_days: must be at least 1, got {self.inactivity_days}"
            )
        if not 0.0 < self.p_alive_threshold < 1.0:
            raise ValueError(
                f"churn.p_alive_threshold: must be strictly between 0 and 1, got {self.p_alive_threshold}"
            )

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any] | None) -> ChurnDefinition:
        """From a config's ``churn:`` section (unknown keys are an error, named)."""
        doc = dict(doc or {})
        unknown = set(doc) - {
            "kind",
            "horizon_days",
            "inactivity_days",
            "p_alive_threshold",
        }
        if unknown:
            raise ValueError(f"churn: unknown key(s) {', '.join(sorted(unknown))}")
        return cls(**doc)

    def describe(self) -> str:
        if self.kind == "inactivity":
            what = f"no order or activity for more than {self.inactivity_days} days"
        elif self.kind == "p_alive":
            what = f"BG/NBD P(alive) below {self.p_alive_threshold:g}"
        else:
            what = "contract ends"
        return f"{what}, within {self.horizon_days} days"
