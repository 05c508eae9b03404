"""Alert evaluation (pure): who a rule fires for, deduplication, cooldown, trends and messages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring.alerts import (
    AlertRule,
    evaluate_alerts,
    parse_alert_rule,
    trend_references,
)
from scoring.conditions import Compare, Trend

AS_OF = pd.Timestamp("2025-03-01", tz="UTC")
IDS = np.array([10, 20, 30])
FIELDS = {
    "health_score": np.array([30.0, 70.0, np.nan]),
    "band": np.array(["At risk", "Healthy", None], dtype=object),
    "customer_name": np.array(["Ann", "Bo", "Cy"], dtype=object),
    "nps": np.array([2.0, np.nan, 9.5]),
}
LOW = AlertRule("low", Compare("health_score", "<", 40), severity="high", label="Low health", cooldown_days=7,
                message="{customer_name} ({customer_id}) is {band} at {health_score}; nps {nps} [{rule}/{severity}]")  # fmt: skip


def _previous(*rows: tuple[int, str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "rule": [r[1] for r in rows],
            "raised_at": pd.Series([pd.Timestamp(r[2], tz="UTC") for r in rows], dtype="datetime64[us, UTC]"),
        }
    )


def test_a_rule_fires_where_its_condition_holds_with_its_message():
    (alert,) = evaluate_alerts([LOW], FIELDS, IDS, AS_OF)
    assert (alert.customer_id, alert.rule, alert.severity) == (10, "low", "high")
    assert alert.message == "Ann (10) is At risk at 30; nps 2 [low/high]"


def test_missing_values_print_as_n_a_and_the_default_message_names_the_rule():
    rule = AlertRule("quiet", Compare("nps", "is_missing"), label="No NPS")
    (alert,) = evaluate_alerts([rule], FIELDS, IDS, AS_OF)
    assert alert.customer_id == 20 and alert.message == "No NPS: Bo, health score 70, band Healthy"
    hot = AlertRule("hot", Compare("nps", ">", 9), message="nps {nps} health {health_score}")
    assert evaluate_alerts([hot], FIELDS, IDS, AS_OF)[0].message == "nps 9.5 health n/a"


@pytest.mark.parametrize(
    ("raised", "fires"),
    [
        ("2025-03-01", False),  # the same as_of: a duplicate whatever the cooldown
        ("2025-02-25", False),  # 4 days ago, inside 7
        ("2025-02-22", True),  # 7 days ago: the cooldown is over
        ("2025-03-05", False),  # a later run's alert also holds back re-scoring an earlier date
    ],
)
def test_the_cooldown_holds_back_a_repeat_for_the_same_customer_and_rule(raised, fires):
    fired = evaluate_alerts([LOW], FIELDS, IDS, AS_OF, previous=_previous((10, "low", raised), (20, "other", raised)))
    assert bool(fired) is fires


def test_a_zero_cooldown_still_never_raises_the_same_alert_twice_at_one_as_of():
    rule = AlertRule("low", LOW.when, cooldown_days=0)
    assert evaluate_alerts([rule], FIELDS, IDS, AS_OF, previous=_previous((10, "low", "2025-03-01"))) == []
    assert len(evaluate_alerts([rule], FIELDS, IDS, AS_OF, previous=_previous((10, "low", "2025-02-28")))) == 1


def test_trend_references_take_the_peak_of_earlier_runs_inside_the_window():
    history = pd.DataFrame(
        {
            "customer_id": [10, 10, 10, 20, 30],
            "as_of": pd.Series(
                [pd.Timestamp(d, tz="UTC") for d in ("2025-02-20", "2025-02-10", "2025-03-01", "2025-01-01", "2025-02-27")],
                dtype="datetime64[us, UTC]",
            ),
            "field": ["health_score"] * 5,
            "value": [60.0, 99.0, 10.0, 90.0, 50.0],
        }
    )
    drop = Trend("health_score", "drop", 15, 14)
    # 10: only 2025-02-20 is inside [02-15, 03-01); 02-10 is too old and 03-01 is this run. 20: too old.
    assert trend_references(drop, history, IDS, AS_OF).tolist() == pytest.approx([60.0, np.nan, 50.0], nan_ok=True)
    rule = parse_alert_rule({"key": "drop", "when": {"trend": "health_score", "dropped_by": 15, "days": 14}})
    assert [a.customer_id for a in evaluate_alerts([rule], FIELDS, IDS, AS_OF, history=history)] == [10]


def test_rules_parse_with_their_defaults_and_actions():
    rule = parse_alert_rule(
        {"key": "r", "when": {"field": "nps", "op": "<", "value": 7}, "actions": [{"type": "webhook", "url": "https://x", "secret_env": "S"}]}
    )
    assert (rule.severity, rule.cooldown_days, rule.label) == ("medium", 7.0, "r")
    assert rule.actions[0].type == "webhook" and dict(rule.actions[0].params) == {"url": "https://x", "secret_env": "S"}
