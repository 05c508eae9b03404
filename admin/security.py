"""Admin sessions: an admin API key buys a signed session cookie; every write carries a CSRF token.

The cookie is starlette's signed session (itsdangerous), HttpOnly and SameSite=Strict, and Secure
whenever the request came over https. The key itself is never stored in the cookie — only its id,
which is re-checked against ``api_keys`` on every request so a revoked key ends its sessions at once.
Source-limited admin keys are refused: config changes affect every source.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from sqlalchemy import Engine, select
from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from crmscore.auth import verify_key
from store.tables import api_keys

__all__ = [
    "CSRF_HEADER",
    "SessionByScheme",
    "base_url",
    "csrf_ok",
    "csrf_token",
    "current_admin",
    "form_fields",
    "login_problem",
    "requires_admin",
]

CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SESSION_COOKIE = "crmscore_admin"

Handler = Callable[[Request], Awaitable[Response]]


class SessionByScheme:
    """SessionMiddleware whose cookie is Secure exactly when the request arrived over https."""

    def __init__(self, app: ASGIApp, secret_key: str, max_age: int) -> None:
        common: dict[str, Any] = {
            "secret_key": secret_key,
            "session_cookie": SESSION_COOKIE,
            "max_age": max_age,
            "same_site": "strict",
        }
        self._plain = SessionMiddleware(app, https_only=False, **common)
        self._secure = SessionMiddleware(app, https_only=True, **common)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        secure = scope["type"] in ("http", "websocket") and scope.get("scheme") in ("https", "wss")
        await (self._secure if secure else self._plain)(scope, receive, send)


def base_url(request: Request) -> str:
    """Where the admin app is mounted (``/admin`` in production, whatever a test chose)."""
    return str(request.scope.get("root_path", "")).rstrip("/")


async def form_fields(request: Request) -> dict[str, str]:
    """The fields of a url-encoded form post (first value of each). Parsed here so the admin forms
    need no multipart library: they never upload files."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def csrf_ok(request: Request, presented: str | None) -> bool:
    expected = request.session.get("csrf")
    return isinstance(expected, str) and isinstance(presented, str) and hmac.compare_digest(expected, presented)


def current_admin(engine: Engine, request: Request) -> dict[str, Any] | None:
    """The signed-in admin (``{"key_id", "name"}``), or None if there is none or the key was revoked."""
    key_id = request.session.get("key_id")
    if not isinstance(key_id, int):
        return None
    with engine.connect() as conn:
        row = conn.execute(
            select(api_keys.c.name, api_keys.c.role, api_keys.c.source).where(
                api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None)
            )
        ).first()
    if row is None or row.role != "admin" or row.source is not None:
        request.session.pop("key_id", None)
        return None
    return {"key_id": key_id, "name": row.name}


def login_problem(engine: Engine, presented: str) -> tuple[int | None, str | None]:
    """(key id, None) for a usable admin key, else (None, a message that says why not)."""
    principal = verify_key(engine, presented.strip())
    if principal is None or principal.key_id is None:
        return None, "That API key is not valid (unknown, revoked or mistyped)."
    if not principal.is_admin:
        return None, "That is a viewer key; the admin page needs an admin key."
    if principal.source is not None:
        return None, f"That key is limited to source {principal.source!r}; the admin page needs an unrestricted admin key."
    return principal.key_id, None


def requires_admin(engine: Engine, *, write: bool = False, json: bool = False) -> Callable[[Handler], Handler]:
    """Wrap a handler: no admin → login page (or 401 JSON); a write without a good CSRF token → 403."""

    def wrap(handler: Handler) -> Handler:
        async def guarded(request: Request) -> Response:
            admin = await run_in_threadpool(current_admin, engine, request)  # the store is synchronous
            if admin is None:
                if json:
                    return JSONResponse({"error": "not signed in"}, status_code=401)
                return RedirectResponse(f"{base_url(request)}/login", status_code=303)
            if write:
                presented = request.headers.get(CSRF_HEADER)
                if presented is None and not json:
                    presented = (await form_fields(request)).get(CSRF_FIELD)
                if not csrf_ok(request, presented):
                    return JSONResponse({"error": "missing or wrong CSRF token"}, status_code=403)
            request.state.admin = admin
            return await handler(request)

        return guarded

    return wrap
