"""Default mapping of SuiteCRM 7.x modules into crmscore's canonical entities.

Field names and value sets are those of a stock 7.14 (the recorded instance); admins override any
stream in the sources file (``streams: {accounts: {extra_fields: [my_field_c]}}``), and every
requested field no column uses lands in ``attributes``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SUITECRM_STREAMS", "SUITECRM_WRITEBACK"]

_CASE_STATUS = {
    "Open_New": "new",
    "Open_Assigned": "open",
    "Open_Pending Input": "open",
    "Closed_Closed": "closed",
    "Closed_Rejected": "closed",
    "Closed_Duplicate": "closed",
}
_LEAD_STATUS = {
    "New": "new",
    "Assigned": "new",
    "In Process": "qualified",
    "Converted": "converted",
    "Recycled": "lost",
    "Dead": "lost",
}
_ACCOUNTS_ONLY = {"field": "parent_id", "when": {"field": "parent_type", "in": ["Accounts"]}}

SUITECRM_STREAMS: dict[str, dict[str, Any]] = {
    "accounts": {
        "remote": "Accounts",
        "fields": [
            "name", "account_type", "industry", "billing_address_city", "billing_address_country", "phone_office",
            "website", "email1", "assigned_user_id", "date_entered", "date_modified",
        ],
        "reconcile_field": "name",
        "entity": "customers",
        "columns": {
            "external_id": "id",
            "name": "name",
            "email": "email1",
            "phone": "phone_office",
            "country": "billing_address_country",
            "industry": "industry",
            "owner": "assigned_user_id",
            "created_at": "date_entered",
        },
        "constants": {"kind": "company", "active": True},
    },
    "contacts": {
        "remote": "Contacts",
        "fields": [
            "first_name", "last_name", "title", "email1", "phone_work", "account_id", "account_name",
            "primary_address_country", "date_modified",
        ],
        "reconcile_field": "last_name",
        "entity": "contacts",
        "columns": {
            "external_id": "id",
            "customer_external_id": "account_id",
            "name": {"join": ["first_name", "last_name"]},
            "email": "email1",
            "phone": "phone_work",
            "title": "title",
        },
    },
    "leads": {
        "remote": "Leads",
        "fields": [
            "first_name", "last_name", "account_name", "account_id", "email1", "status", "lead_source", "campaign_id",
            "converted", "date_entered", "date_modified",
        ],
        "reconcile_field": "last_name",
        "entity": "leads",
        "columns": {
            "external_id": "id",
            "name": {"join": ["first_name", "last_name"]},
            "status": {"field": "status", "values": _LEAD_STATUS, "default": "new"},
            "source_channel": "lead_source",
            "campaign_external_id": "campaign_id",
            "created_at": "date_entered",
            "customer_external_id": "account_id",
        },
    },
    "opportunities": {
        "remote": "Opportunities",
        "fields": [
            "name", "account_id", "account_name", "amount", "amount_usdollar", "currency_id", "sales_stage",
            "probability", "date_closed", "lead_source", "campaign_id", "date_entered", "date_modified",
        ],
        "reconcile_field": "name",
        "entity": "opportunities",
        "columns": {
            "external_id": "id",
            "customer_external_id": "account_id",
            "name": "name",
            "amount": "amount_usdollar",
            "stage": "sales_stage",
            "status": {"field": "sales_stage", "values": {"Closed Won": "won", "Closed Lost": "lost"}, "default": "open"},
            "created_at": "date_entered",
            "expected_close_at": "date_closed",
            "closed_at": {"field": "date_closed", "when": {"field": "sales_stage", "in": ["Closed Won", "Closed Lost"]}},
        },
    },
    "cases": {
        "remote": "Cases",
        "fields": [
            "name", "case_number", "priority", "status", "state", "type", "account_id", "account_name", "resolution",
            "assigned_user_id", "date_entered", "date_modified",
        ],
        "reconcile_field": "name",
        "entity": "cases",
        "columns": {
            "external_id": "id",
            "customer_external_id": "account_id",
            "subject": "name",
            "priority": {"field": "priority", "values": {"P1": "high", "P2": "medium", "P3": "low"}},
            "status": {"field": "status", "values": _CASE_STATUS},
            "opened_at": "date_entered",
        },
    },
    "calls": {
        "remote": "Calls",
        "fields": [
            "name", "date_start", "date_end", "duration_hours", "duration_minutes", "status", "direction",
            "parent_type", "parent_id", "parent_name", "assigned_user_id", "date_modified",
        ],
        "reconcile_field": "name",
        "entity": "activities",
        "columns": {
            "external_id": "id",
            "customer_external_id": _ACCOUNTS_ONLY,
            "direction": {"field": "direction", "values": {"Inbound": "inbound", "Outbound": "outbound"}},
            "occurred_at": "date_start",
        },
        "constants": {"kind": "call"},
    },
    "meetings": {
        "remote": "Meetings",
        "fields": [
            "name", "date_start", "date_end", "duration_hours", "duration_minutes", "status", "location",
            "parent_type", "parent_id", "parent_name", "date_modified",
        ],
        "reconcile_field": "name",
        "entity": "activities",
        "columns": {
            "external_id": "id",
            "customer_external_id": _ACCOUNTS_ONLY,
            "occurred_at": "date_start",
        },
        "constants": {"kind": "meeting"},
    },
    "invoices": {
        "remote": "AOS_Invoices",
        "fields": [
            "name", "number", "status", "billing_account_id", "billing_account", "invoice_date", "due_date",
            "total_amount", "subtotal_amount", "tax_amount", "currency_id", "date_entered", "date_modified",
        ],
        "reconcile_field": "name",
        "entity": "orders",
        "columns": {
            "external_id": "id",
            "customer_external_id": "billing_account_id",
            "ordered_at": "invoice_date",
            "amount": "total_amount",
            "status": {"field": "status", "values": {"Paid": "paid", "Unpaid": "open", "Cancelled": "cancelled"}},
        },
        "constants": {"kind": "invoice"},
    },
    "campaigns": {
        "remote": "Campaigns",
        "fields": [
            "name", "campaign_type", "status", "start_date", "end_date", "budget", "expected_cost", "actual_cost",
            "expected_revenue", "impressions", "currency_id", "date_modified",
        ],
        "reconcile_field": "name",
        "entity": "campaigns",
        "columns": {
            "external_id": "id",
            "name": "name",
            "channel": "campaign_type",
            "started_at": "start_date",
            "ended_at": "end_date",
            "cost": "actual_cost",
        },
    },
}

# Canonical score → custom field on Accounts (created by `crmscore install suitecrm`).
SUITECRM_WRITEBACK: dict[str, Any] = {
    "module": "Accounts",
    "entity": "customers",
    "fields": {
        "health_score": "health_score_c",
        "band": "health_band_c",
        "segment": "segment_c",
        "churn_risk": "churn_risk_c",
        "clv": "clv_c",
        "scored_at": "scored_at_c",
    },
}
