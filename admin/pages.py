"""Server-rendered pages: they work as plain HTML forms; the scripts add the editor and the charts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from admin.queries import acknowledge_alert, customer_detail, dashboard_data
from admin.security import (
    base_url,
    csrf_ok,
    csrf_token,
    current_admin,
    form_fields,
    login_problem,
    requires_admin,
)
from crmscore.config.service import activate_config, config_versions, rollback_config
from crmscore.pipeline import run_scoring

__all__ = ["page_routes", "templates"]

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def _render(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    context.update(base=base_url(request), csrf=csrf_token(request), admin=getattr(request.state, "admin", None))
    return templates.TemplateResponse(request, name, context, status_code=status)


def _back(request: Request, where: str, flash: str | None = None) -> Response:
    if flash:
        request.session["flash"] = flash
    return RedirectResponse(f"{base_url(request)}{where}", status_code=303)


def page_routes(engine: Engine) -> list[Route]:
    admin = requires_admin(engine)
    write = requires_admin(engine, write=True)

    async def login(request: Request) -> Response:
        if request.method == "GET":
            if await run_in_threadpool(current_admin, engine, request):
                return _back(request, "/")
            return _render(request, "login.html")
        form = await form_fields(request)
        if not csrf_ok(request, form.get("csrf_token")):
            return _render(request, "login.html", 403, error="The form expired; please try again.")
        key = form.get("api_key")
        key_id, problem = await run_in_threadpool(login_problem, engine, key or "")
        if key_id is None:
            return _render(request, "login.html", 401, error=problem)
        request.session.clear()  # a fresh session (and CSRF token) at every sign-in
        request.session["key_id"] = key_id
        return _back(request, "/")

    @write
    async def logout(request: Request) -> Response:
        request.session.clear()
        return _back(request, "/login")

    @admin
    async def dashboard(request: Request) -> Response:
        data = await run_in_threadpool(dashboard_data, engine)
        return _render(request, "dashboard.html", data=data, flash=request.session.pop("flash", None))

    @admin
    async def config(request: Request) -> Response:
        return _render(request, "config.html")

    @admin
    async def history(request: Request) -> Response:
        versions = await run_in_threadpool(config_versions, engine, 30)
        return _render(request, "history.html", versions=versions, flash=request.session.pop("flash", None))

    @write
    async def activate(request: Request) -> Response:
        vid = int(request.path_params["version_id"])
        change = rollback_config if request.url.path.endswith("/rollback") else activate_config
        outcome = await run_in_threadpool(change, engine, vid)
        if not outcome.ok:
            return _back(request, "/history", "; ".join(i.message for i in outcome.issues))
        form = await form_fields(request)
        note = f"Version {vid} is now active."
        if form.get("rescore"):
            note += f" Re-scored as run {(await run_in_threadpool(run_scoring, engine)).id}."
        return _back(request, "/history", note)

    @admin
    async def customer(request: Request) -> Response:
        detail = await run_in_threadpool(customer_detail, engine, int(request.path_params["customer_id"]))
        if detail is None:
            return _render(request, "missing.html", 404, what=f"customer {request.path_params['customer_id']}")
        return _render(request, "customer.html", data=detail)

    @write
    async def acknowledge(request: Request) -> Response:
        ok = await run_in_threadpool(acknowledge_alert, engine, int(request.path_params["alert_id"]))
        return _back(request, "/#alerts", "Alert acknowledged." if ok else "That alert was not open any more.")

    return [
        Route("/", dashboard),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/config", config),
        Route("/history", history),
        Route("/versions/{version_id:int}/activate", activate, methods=["POST"]),
        Route("/versions/{version_id:int}/rollback", activate, methods=["POST"]),
        Route("/customers/{customer_id:int}", customer),
        Route("/alerts/{alert_id:int}/acknowledge", acknowledge, methods=["POST"]),
    ]
