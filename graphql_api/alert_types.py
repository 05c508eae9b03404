"""Alert output types."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from graphql_api.alert_store import SEVERITIES, AlertRecord
from graphql_api.context import ApiContext
from graphql_api.ids import encode_id

if TYPE_CHECKING:
    from graphql_api.objects import Customer

__all__ = ["Alert", "AlertStatus", "Severity", "severity_rank"]


@strawberry.enum(description="Alert severities, lowest first.")
class Severity(Enum):
    INFO = "INFO"
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"


@strawberry.enum(description="OPEN when raised, ACKNOWLEDGED when someone is on it, RESOLVED when done (final).")
class AlertStatus(Enum):
    OPEN = "OPEN"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    RESOLVED = "RESOLVED"


def severity_rank(value: str) -> int:
    return SEVERITIES.index(value.lower()) if value.lower() in SEVERITIES else 0


def _enum(enum: type[Enum], value: str, default: Any) -> Any:
    try:
        return enum(value.upper())
    except ValueError:
        return default


@strawberry.type(description="An alert a scoring run raised about a customer.")
class Alert:
    pk: strawberry.Private[int]
    customer_pk: strawberry.Private[int]
    id: strawberry.ID
    rule: str = strawberry.field(description="The key of the alert rule in the config.")
    severity: Severity
    message: str
    status: AlertStatus
    raised_at: datetime = strawberry.field(description="The as-of time of the run that raised it.")
    scoring_run_id: strawberry.ID | None

    @classmethod
    def from_record(cls, r: AlertRecord) -> Alert:
        return cls.build(r.pk, r.customer_id, r.rule, r.severity, r.message, r.status, r.raised_at, r.run_id)

    @classmethod
    def build(
        cls, pk: int, customer_pk: int, rule: str, severity: str, message: str, status: str, raised_at: datetime, run_id: int | None
    ) -> Alert:
        return cls(
            pk=pk,
            customer_pk=customer_pk,
            id=strawberry.ID(encode_id("Alert", pk)),
            rule=rule,
            severity=_enum(Severity, severity, Severity.MEDIUM),
            message=message,
            status=_enum(AlertStatus, status, AlertStatus.OPEN),
            raised_at=raised_at,
            scoring_run_id=None if run_id is None else strawberry.ID(encode_id("ScoringRun", run_id)),
        )

    @strawberry.field(description="The customer, with its score in the served run.")
    async def customer(
        self, info: strawberry.Info[ApiContext, None]
    ) -> Annotated[Customer, strawberry.lazy("graphql_api.objects")] | None:
        from graphql_api.objects import Customer

        record = await info.context.customers.load(self.customer_pk)
        return None if record is None else Customer.from_record(record)
