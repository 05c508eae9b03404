"""Alerts around a scoring run: evaluating rules against the store, recording them, and acting.

``scoring.alerts`` decides which alerts fire (pure); this package reads the history and earlier
alerts it needs, writes the ``alerts`` rows and task intents, and sends events and webhooks.
"""

from crmscore.alerts.actions import (
    INTENT_SOURCE,
    ActionReport,
    post_webhook,
    record_task_intents,
    run_actions,
    signature,
)
from crmscore.alerts.events import AlertBus, AlertEvent, alert_bus
from crmscore.alerts.store_io import (
    AlertRecord,
    fired_alerts,
    load_previous_alerts,
    load_trend_history,
    write_alerts,
)

__all__ = [
    "INTENT_SOURCE",
    "ActionReport",
    "AlertBus",
    "AlertEvent",
    "AlertRecord",
    "alert_bus",
    "fired_alerts",
    "load_previous_alerts",
    "load_trend_history",
    "post_webhook",
    "record_task_intents",
    "run_actions",
    "signature",
    "write_alerts",
]
