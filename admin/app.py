"""The admin app: pages, JSON API, our static files and the two npm libraries, behind a session."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from admin.api import api_routes
from admin.pages import page_routes
from admin.security import SessionByScheme

__all__ = ["NODE_MODULES", "create_admin_app"]

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE / "node_modules"
SESSION_SECONDS = 8 * 3600


def create_admin_app(engine: Engine, *, secret_key: str, node_modules: Path = NODE_MODULES) -> Starlette:
    """The admin site, meant to be mounted at ``/admin``. ``secret_key`` signs the session cookie
    (keep it stable across restarts and out of the repo). The browser libraries come from
    ``npm ci --prefix admin``; without them the app refuses to start rather than serving blank pages."""
    if len(secret_key) < 16:
        raise ValueError("secret_key must be at least 16 characters (it signs the admin session cookie)")
    editor = node_modules / "@json-editor" / "json-editor" / "dist"
    charts = node_modules / "chart.js" / "dist"
    for needed in (editor / "jsoneditor.js", charts / "chart.umd.js"):
        if not needed.is_file():
            raise RuntimeError(f"{needed} is missing; run `npm ci --prefix admin` to install the admin page's browser libraries")
    routes = [
        *page_routes(engine),
        *api_routes(engine),
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
        Mount("/vendor/json-editor", app=StaticFiles(directory=editor), name="json-editor"),
        Mount("/vendor/chart.js", app=StaticFiles(directory=charts), name="chart.js"),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(SessionByScheme, secret_key=secret_key, max_age=SESSION_SECONDS)],
    )
