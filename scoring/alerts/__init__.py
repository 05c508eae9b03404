"""Alert rules: which customers a rule fires for, deduplicated and held back inside the cooldown.

Pure like the rest of ``scoring``: the caller supplies the score result, the trend history from
earlier runs and the alerts raised before; sending webhooks or events is ``crmscore.alerts``' job.
"""

from scoring.alerts.evaluate import (
    FiredAlert,
    TrendHistory,
    evaluate_alerts,
    render_message,
    trend_references,
)
from scoring.alerts.rules import (
    ACTION_TYPES,
    SEVERITIES,
    Action,
    AlertRule,
    parse_alert_rule,
)

__all__ = [
    "ACTION_TYPES",
    "SEVERITIES",
    "Action",
    "AlertRule",
    "FiredAlert",
    "TrendHistory",
    "evaluate_alerts",
    "parse_alert_rule",
    "render_message",
    "trend_references",
]
