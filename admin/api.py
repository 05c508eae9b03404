"""JSON endpoints the config editor calls: validate, preview, save (and activate), and the data
behind the charts. Every write needs the CSRF header; every answer about config text carries the
CLI's issues plus the json-editor field path each one belongs to."""

from __future__ import annotations

import json
from dataclasses import asdict
from itertools import pairwise
from typing import Any

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from admin.queries import customer_detail, dashboard_data
from admin.schema import editor_path, form_schema
from admin.security import requires_admin
from crmscore.config.issues import ConfigIssue
from crmscore.config.service import (
    active_config,
    preview_config,
    save_config,
    validate_config_text,
)
from crmscore.pipeline import run_scoring
from crmscore.preview import HISTOGRAM_EDGES, Preview, Summary

__all__ = ["api_routes", "issue_json", "preview_json"]

FILENAME = "admin-editor.json"


def issue_json(issue: ConfigIssue) -> dict[str, Any]:
    return {
        "file": issue.file,
        "line": issue.line,
        "col": issue.col,
        "path": issue.path,
        "field": editor_path(issue.path),
        "message": issue.message,
        "text": str(issue),
    }


def _summary(s: Summary | None) -> dict[str, Any] | None:
    if s is None:
        return None
    return {
        "label": s.label,
        "version_id": s.version_id,
        "customers": s.customers,
        "scored": s.scored,
        "mean": s.mean,
        "median": s.median,
        "histogram": s.histogram,
        "bands": s.bands,
        "segments": s.segments,
        "alerts": [asdict(a) for a in s.alerts[:100]],
        "alert_count": len(s.alerts),
    }


def preview_json(p: Preview) -> dict[str, Any]:
    edges = list(HISTOGRAM_EDGES)
    return {
        "as_of": p.as_of.isoformat(),
        "labels": [f"{a}–{b}" for a, b in pairwise(edges)],
        "draft": _summary(p.draft),
        "active": _summary(p.active),
        "band_changes": p.band_changes,
        "movers": [{**asdict(m), "delta": m.delta} for m in p.movers],
        "contributions": p.contributions,
    }


async def _config_text(request: Request) -> tuple[str | None, dict[str, Any]]:
    """The editor posts ``{"config": {...}, ...}``; the config goes on as indented JSON (which is
    YAML), so line numbers in messages still mean something."""
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None, {}
    if not isinstance(body, dict) or not isinstance(body.get("config"), dict):
        return None, {}
    return json.dumps(body["config"], indent=2, ensure_ascii=False), body


def _bad_body() -> JSONResponse:
    return JSONResponse({"ok": False, "issues": [], "error": 'the request body must be JSON like {"config": {…}}'}, status_code=400)


def api_routes(engine: Engine) -> list[Route]:
    admin = requires_admin(engine, json=True)
    write = requires_admin(engine, json=True, write=True)

    @admin
    async def schema(request: Request) -> Response:
        return JSONResponse(form_schema())

    @admin
    async def active(request: Request) -> Response:
        current = await run_in_threadpool(active_config, engine)
        return JSONResponse(None if current is None else {"id": current.id, "name": current.name, "body": current.body})

    @write
    async def validate(request: Request) -> Response:
        text, _ = await _config_text(request)
        if text is None:
            return _bad_body()
        outcome = await run_in_threadpool(validate_config_text, text, FILENAME)
        return JSONResponse({"ok": outcome.ok, "issues": [issue_json(i) for i in outcome.issues], "contributions": outcome.contributions})

    @write
    async def preview(request: Request) -> Response:
        text, _ = await _config_text(request)
        if text is None:
            return _bad_body()
        outcome = await run_in_threadpool(lambda: preview_config(engine, text, filename=FILENAME, top=15))
        return JSONResponse(
            {
                "ok": outcome.ok,
                "issues": [issue_json(i) for i in outcome.issues],
                "preview": preview_json(outcome.preview) if outcome.preview else None,
            }
        )

    @write
    async def save(request: Request) -> Response:
        text, body = await _config_text(request)
        if text is None:
            return _bad_body()
        author = str(body.get("author") or request.state.admin["name"])[:128]
        comment = str(body.get("comment") or "") or None
        activate_now = bool(body.get("activate"))
        outcome = await run_in_threadpool(
            lambda: save_config(engine, text, filename=FILENAME, author=author, comment=comment, activate_now=activate_now)
        )
        run_id = None
        if outcome.ok and activate_now and body.get("rescore"):
            run_id = (await run_in_threadpool(run_scoring, engine)).id  # the dashboard shows runs, so show the new config at once
        return JSONResponse(
            {
                "ok": outcome.ok,
                "issues": [issue_json(i) for i in outcome.issues],
                "version_id": outcome.version.id if outcome.version else None,
                "created": outcome.created,
                "activated": outcome.activated,
                "run_id": run_id,
                "diff": outcome.diff,
            }
        )

    @admin
    async def dashboard(request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(dashboard_data, engine))

    @admin
    async def customer(request: Request) -> Response:
        detail = await run_in_threadpool(customer_detail, engine, int(request.path_params["customer_id"]))
        return JSONResponse(detail, status_code=200 if detail else 404)

    return [
        Route("/api/schema", schema),
        Route("/api/config/active", active),
        Route("/api/config/validate", validate, methods=["POST"]),
        Route("/api/config/preview", preview, methods=["POST"]),
        Route("/api/config/save", save, methods=["POST"]),
        Route("/api/dashboard", dashboard),
        Route("/api/customers/{customer_id:int}", customer),
    ]
