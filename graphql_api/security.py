"""Who is calling: API keys from ``Authorization: Bearer`` (HTTP) or ``connection_init`` (WebSocket).

Every GraphQL request over HTTP needs a valid key; without one the answer is HTTP 401 with a GraphQL
error coded ``UNAUTHENTICATED`` and nothing runs — not even introspection. Development servers may
opt in to anonymous *viewer* access (``create_app(..., require_auth=False)``, refused unless
``debug=True``); a key sent anyway is still honoured, so admins can work in GraphiQL too.

Verified keys are cached for ``key_cache_ttl`` seconds (10 by default) so a busy dashboard does not
cost a key lookup per request; a key revoked with ``crmscore keys revoke`` therefore stops working
within that time in every API process.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Mapping

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from crmscore.auth import VIEWER, Principal, touch_key, verify_key
from graphql_api.errors import ErrorCode

__all__ = ["ANONYMOUS", "KeyVerifier", "RequireKey", "bearer_token"]

ANONYMOUS = Principal(key_id=None, name="anonymous (development)", role=VIEWER)
_CACHE_LIMIT = 10_000
_TOUCH_EVERY = 60.0


def bearer_token(value: str | None) -> str | None:
    """The key in an ``Authorization`` value (``Bearer <key>``, case-insensitive scheme), else None."""
    if not value:
        return None
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class KeyVerifier:
    """Checks presented keys against the store, with a short-lived cache of the valid ones."""

    def __init__(self, engine: Engine, ttl: float) -> None:
        self.engine = engine
        self.ttl = ttl
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[Principal, float]] = {}
        self._touched: dict[int, float] = {}

    def _cached(self, digest: str) -> Principal | None:
        with self._lock:
            hit = self._cache.get(digest)
        if hit is not None and hit[1] > time.monotonic():
            return hit[0]
        return None

    def verify(self, key: str) -> Principal | None:
        digest = hashlib.sha256(key.encode()).hexdigest()
        principal = self._cached(digest)
        if principal is not None:
            return principal
        principal = verify_key(self.engine, key)
        if principal is None:
            return None
        now = time.monotonic()
        with self._lock:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[digest] = (principal, now + self.ttl)
            due = principal.key_id is not None and now - self._touched.get(principal.key_id, -_TOUCH_EVERY) >= _TOUCH_EVERY
            if due and principal.key_id is not None:
                self._touched[principal.key_id] = now
        if due and principal.key_id is not None and not touch_key(self.engine, principal.key_id):
            with self._lock:  # the store was busy: stamp it on the next use instead
                self._touched.pop(principal.key_id, None)
        return principal

    async def verify_async(self, key: str) -> Principal | None:
        digest = hashlib.sha256(key.encode()).hexdigest()
        cached = self._cached(digest)  # the common case answers without a thread hop
        if cached is not None:
            return cached
        return await run_in_threadpool(self.verify, key)

    async def from_connection_params(self, params: Mapping[str, object] | None) -> Principal | None:
        """The principal of a WebSocket's ``connection_init`` payload: ``{"authorization": "Bearer <key>"}``."""
        if not isinstance(params, Mapping):
            return None
        raw = params.get("authorization", params.get("Authorization"))
        token = bearer_token(raw) if isinstance(raw, str) else None
        return await self.verify_async(token) if token else None


def _unauthenticated(message: str) -> bytes:
    body = {"data": None, "errors": [{"message": message, "extensions": {"code": ErrorCode.UNAUTHENTICATED.value}}]}
    return json.dumps(body).encode()


class RequireKey:
    """ASGI wrapper in front of the GraphQL view: resolves the caller of every POST before it runs.

    GET (the GraphiQL page in debug mode; queries over GET are refused by the view) and WebSocket
    handshakes pass through: sockets authenticate in ``connection_init``.
    """

    def __init__(self, app: ASGIApp, verifier: KeyVerifier, *, anonymous: Principal | None) -> None:
        self.app = app
        self.verifier = verifier
        self.anonymous = anonymous

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        header = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"authorization"), None)
        token = bearer_token(header)
        principal = await self.verifier.verify_async(token) if token else None
        if principal is None and token is None:
            principal = self.anonymous
        if principal is None:
            message = "missing API key: send Authorization: Bearer <key>" if token is None else "invalid or revoked API key"
            body = _unauthenticated(message)
            await send(
                {
                    "type": "http.response.start",
                    "status": 401,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"www-authenticate", b'Bearer realm="crmscore"'),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)
