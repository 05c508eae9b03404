"""``crmscore install odoo``: the ``x_`` score fields on ``res.partner`` and a *Health* tab on its form.

Both steps go through the ORM over RPC, as recorded on Odoo 17 (``08_custom_fields_create``,
``09_custom_view_inherit``) and Odoo 11 (``04_custom_field``):

1. ``ir.model.fields.create`` with ``state`` manual for every field that does not exist yet — each
   creation reloads the registry (0.2–0.6 s), so existing fields are looked up first and left alone;
2. an ``ir.ui.view`` inheriting ``base.view_partner_form`` that adds a page to the form's notebook.
   It is found again by its name, so a second run rewrites its arch only if it changed.

Running it twice gives the same result as running it once. The API user needs the *Settings*
(``base.group_system``) rights; Odoo answers an ``AccessError`` otherwise, which is reported as is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape
from typing import Any

from connector.crm_errors import CrmRequestError
from connector.odoo.rpc import OdooTransport

__all__ = ["FIELD_TYPES", "VIEW_NAME", "OdooInstallReport", "install_odoo", "partner_form_arch"]

VIEW_NAME = "res.partner.form.crmscore"
# canonical score -> (ttype, label, help)
FIELD_TYPES: dict[str, tuple[str, str, str]] = {
    "health_score": ("float", "Health Score", "0-100, written by crmscore"),
    "band": ("char", "Health Band", "The health band of the score, written by crmscore"),
    "segment": ("char", "Segment", "The RFM segment, written by crmscore"),
    "churn_risk": ("float", "Churn Risk", "Probability of churn (0-1), written by crmscore"),
    "clv": ("float", "Customer Lifetime Value", "Expected customer lifetime value, written by crmscore"),
    "scored_at": ("datetime", "Scored At", "When crmscore last scored this customer"),
}


@dataclass
class OdooInstallReport:
    model: str
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    view: str = "unchanged"  # created | updated | unchanged
    view_id: int | None = None


def partner_form_arch(fields: list[str]) -> str:
    """The inheriting arch: a *Health* page at the end of the partner form's notebook."""
    inner = "".join(f'<field name="{escape(f)}"/>' for f in fields)
    return (
        '<data><xpath expr="//notebook" position="inside">'
        f'<page string="Health" name="crmscore_health"><group>{inner}</group></page>'
        "</xpath></data>"
    )


def _one_id(rows: Any, what: str) -> int:
    if not rows:
        raise CrmRequestError(f"Odoo has no {what}; is the contacts app installed?", kind="not_found")
    first = rows[0]
    return int(first["res_id"] if isinstance(first, Mapping) and "res_id" in first else
               first["id"] if isinstance(first, Mapping) else first)


def install_odoo(transport: OdooTransport, fields: Mapping[str, str], *, model: str = "res.partner") -> OdooInstallReport:
    """Create the missing ``x_`` fields (``fields``: canonical key → field name) and the form view."""
    bad = [name for name in fields.values() if not name.startswith("x_")]
    if bad:
        raise CrmRequestError(f"Odoo custom field names must start with x_: {', '.join(bad)}", kind="invalid")
    unknown = sorted(set(fields) - set(FIELD_TYPES))
    if unknown:
        raise CrmRequestError(f"no field type known for {', '.join(unknown)}; known: {', '.join(FIELD_TYPES)}", kind="invalid")
    report = OdooInstallReport(model=model)
    model_id = _one_id(transport.call("ir.model", "search_read", [[["model", "=", model]]], {"fields": ["id"]}), f"model {model}")
    names = list(fields.values())
    found = transport.call("ir.model.fields", "search_read", [[["model", "=", model], ["name", "in", names]]],
                           {"fields": ["name", "ttype"]}) or []
    present = {row["name"] for row in found}
    for key, name in fields.items():
        if name in present:
            report.existing.append(name)
            continue
        ttype, label, help_text = FIELD_TYPES[key]
        transport.call("ir.model.fields", "create", [{
            "name": name, "field_description": label, "ttype": ttype, "model_id": model_id, "state": "manual",
            "help": help_text, "store": True,
        }])
        report.created.append(name)

    parent = _one_id(transport.call("ir.model.data", "search_read",
                                    [[["module", "=", "base"], ["name", "=", "view_partner_form"]]],
                                    {"fields": ["res_id"]}), "view base.view_partner_form")
    arch = partner_form_arch(names)
    arch_field = "arch_base" if transport.version >= 13 else "arch"
    views = transport.call("ir.ui.view", "search_read", [[["name", "=", VIEW_NAME], ["model", "=", model]]],
                           {"fields": ["id", "arch_db", "inherit_id"], "context": {"active_test": False}}) or []
    if views:
        view = views[0]
        report.view_id = int(view["id"])
        if (view.get("arch_db") or "").strip() != arch or not view.get("inherit_id"):
            transport.call("ir.ui.view", "write", [[report.view_id], {arch_field: arch, "inherit_id": parent, "active": True}])
            report.view = "updated"
    else:
        created = transport.call("ir.ui.view", "create", [{
            "name": VIEW_NAME, "model": model, "type": "form", "inherit_id": parent, "mode": "extension",
            "priority": 99, arch_field: arch,
        }])
        report.view_id = int(created[0] if isinstance(created, list) else created)  # JSON-2 returns a list
        report.view = "created"
    return report
