"""Default mapping of Odoo models into crmscore's canonical entities, per server version.

Field names moved between versions: ``crm.lead.planned_revenue`` (≤ 13) became
``expected_revenue`` (14+), ``res.partner.customer`` (≤ 12, a boolean) became ``customer_rank``
(13+). The adapter also drops requested fields the server's ``fields_get`` does not know, because
Odoo 17 rejects unknown names in a ``fields`` list while Odoo 11 silently ignores them.

``_status`` is a synthetic field the adapter computes for ``crm.lead``: ``lost`` when the record is
archived (how Odoo marks a lost opportunity), ``won`` at probability 100, else ``open``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ODOO_WRITEBACK", "odoo_streams"]

_SALE_STATE = {"draft": "open", "sent": "open", "sale": "completed", "done": "completed", "cancel": "cancelled"}


def odoo_streams(version: int) -> dict[str, dict[str, Any]]:
    """The default stream specs for an Odoo server of major ``version`` (0 when unknown: newest)."""
    revenue = "planned_revenue" if 0 < version <= 13 else "expected_revenue"
    customer_flag = "customer" if 0 < version <= 12 else "customer_rank"
    return {
        "partners": {
            "remote": "res.partner",
            "fields": [
                "name", "is_company", "parent_id", "email", "phone", "function", "country_id", "industry_id", "user_id",
                customer_flag, "active", "create_date", "write_date",
            ],
            "routes": [
                {
                    "entity": "customers",
                    "when": {"field": "parent_id", "empty": True},
                    "columns": {
                        "external_id": "id",
                        "name": "name",
                        "kind": {"field": "is_company", "values": {"True": "company"}, "default": "person"},
                        "email": "email",
                        "phone": "phone",
                        "country": {"field": "country_id", "part": "name"},
                        "industry": {"field": "industry_id", "part": "name"},
                        "owner": {"field": "user_id", "part": "name"},
                        "created_at": "create_date",
                        "active": "active",
                    },
                },
                {
                    "entity": "contacts",
                    "when": {"field": "parent_id", "empty": False},
                    "columns": {
                        "external_id": "id",
                        "customer_external_id": "parent_id",
                        "name": "name",
                        "email": "email",
                        "phone": "phone",
                        "title": "function",
                    },
                },
            ],
        },
        "crm_leads": {
            "remote": "crm.lead",
            "fields": [
                "name", "type", "partner_id", "stage_id", "probability", revenue, "date_deadline", "date_closed",
                "source_id", "campaign_id", "active", "lost_reason" if 0 < version <= 15 else "lost_reason_id",
                "create_date", "write_date",
            ],
            "routes": [
                {
                    "entity": "opportunities",
                    "when": {"field": "type", "in": ["opportunity"]},
                    "columns": {
                        "external_id": "id",
                        "customer_external_id": "partner_id",
                        "name": "name",
                        "amount": revenue,
                        "stage": {"field": "stage_id", "part": "name"},
                        "status": "_status",
                        "created_at": "create_date",
                        "expected_close_at": "date_deadline",
                        "closed_at": {"field": "date_closed", "when": {"field": "_status", "in": ["won", "lost"]}},
                    },
                },
                {
                    "entity": "leads",
                    "when": {"field": "type", "in": ["lead"]},
                    "columns": {
                        "external_id": "id",
                        "name": "name",
                        "status": {"field": "_status", "values": {"lost": "lost"}, "default": "new"},
                        "source_channel": {"field": "source_id", "part": "name"},
                        "campaign_external_id": "campaign_id",
                        "created_at": "create_date",
                        "customer_external_id": "partner_id",
                    },
                },
            ],
        },
        "sale_orders": {
            "remote": "sale.order",
            "fields": ["name", "partner_id", "date_order", "state", "amount_untaxed", "amount_total", "currency_id",
                       "invoice_status", "create_date", "write_date"],
            "entity": "orders",
            "columns": {
                "external_id": "id",
                "customer_external_id": "partner_id",
                "ordered_at": "date_order",
                "amount": "amount_total",
                "currency": {"field": "currency_id", "part": "name"},
                "status": {"field": "state", "values": _SALE_STATE},
            },
            "constants": {"kind": "order"},
        },
        "sale_order_lines": {
            "remote": "sale.order.line",
            "fields": ["order_id", "product_id", "name", "product_uom_qty", "price_subtotal", "write_date"],
            "entity": "order_lines",
            "columns": {
                "external_id": "id",
                "order_external_id": "order_id",
                "product": {"field": "product_id", "part": "name"},
                "quantity": "product_uom_qty",
                "amount": "price_subtotal",
            },
        },
        "campaigns": {
            "remote": "utm.campaign",
            "fields": ["name", "create_date", "write_date"],
            "entity": "campaigns",
            "columns": {"external_id": "id", "name": "name", "started_at": "create_date"},
        },
    }


# Canonical score → x_ field on res.partner (created by `crmscore install odoo`).
ODOO_WRITEBACK: dict[str, Any] = {
    "model": "res.partner",
    "entity": "customers",
    "fields": {
        "health_score": "x_health_score",
        "band": "x_health_band",
        "segment": "x_segment",
        "churn_risk": "x_churn_risk",
        "clv": "x_clv",
        "scored_at": "x_scored_at",
    },
}
