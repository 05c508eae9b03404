"""Alert rules as data: a condition, a severity, a cooldown, a message template and actions."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from scoring.conditions import Condition, parse_condition

__all__ = ["ACTION_TYPES", "SEVERITIES", "Action", "AlertRule", "parse_alert_rule"]

SEVERITIES = ("info", "low", "medium", "high", "critical")
ACTION_TYPES = ("event", "webhook", "crm_task")
DEFAULT_COOLDOWN_DAYS = 7.0


@dataclass(frozen=True)
class Action:
    """What to do when the rule fires; ``params`` are the type's settings (url, subject, ...)."""

    type: str
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class AlertRule:
    key: str
    when: Condition
    severity: str = "medium"
    label: str = ""
    message: str = ""
    cooldown_days: float = DEFAULT_COOLDOWN_DAYS
    actions: tuple[Action, ...] = ()


def parse_alert_rule(d: Mapping[str, Any]) -> AlertRule:
    return AlertRule(
        key=d["key"],
        label=d.get("label", d["key"]),
        when=parse_condition(d["when"]),
        severity=d.get("severity", "medium"),
        message=d.get("message", ""),
        cooldown_days=float(d.get("cooldown_days", DEFAULT_COOLDOWN_DAYS)),
        actions=tuple(
            Action(a["type"], MappingProxyType({k: copy.deepcopy(v) for k, v in a.items() if k != "type"}))
            for a in d.get("actions", ())
        ),
    )
