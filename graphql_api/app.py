"""The ASGI application: GraphQL over HTTP and WebSocket at ``/graphql``, ``/healthz`` and ``/metrics``.

Production (``debug=False``, the default): every request needs an API key, introspection and
GraphiQL are off, errors are masked. Development (``debug=True``): GraphiQL and introspection are on;
anonymous viewer access only with ``require_auth=False`` as well.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import secrets
from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UnsetType

from crmscore.alerts import AlertEvent, alert_bus
from crmscore.jobs import SUCCEEDED, JobRecord
from crmscore.pubsub import alert_payload
from graphql_api.context import ApiContext, AppState
from graphql_api.events import ALERTS, JOBS, make_bus
from graphql_api.metrics import ApiMetrics, MetricsMiddleware
from graphql_api.reads import ping
from graphql_api.schema import production_schema, schema
from graphql_api.security import ANONYMOUS, RequireKey, bearer_token
from graphql_api.settings import ApiSettings

__all__ = ["create_app"]

log = logging.getLogger(__name__)


def _admin_routes(engine: Engine, settings: ApiSettings, *, debug: bool) -> list[BaseRoute]:
    """The admin page at ``/admin``, when it can be served safely.

    Its session cookies are signed with ``CRMSCORE_ADMIN_SECRET``. Without one, development mode
    uses a random secret for this process (sessions end on restart) and production leaves the page
    off rather than run with a guessable key. Without its browser libraries (``npm ci --prefix
    admin``, done by ``make``) it is left off too, with a log line saying so.
    """
    from admin.app import NODE_MODULES, create_admin_app

    secret = settings.admin_secret or (secrets.token_urlsafe(32) if debug else None)
    if secret is None:
        log.warning("admin page off: set CRMSCORE_ADMIN_SECRET to serve it in production mode")
        return []
    if not NODE_MODULES.is_dir():
        log.warning("admin page off: its browser libraries are missing; run `npm ci --prefix admin`")
        return []
    return [Mount("/admin", app=create_admin_app(engine, secret_key=secret))]


class _GraphQLView(GraphQL[ApiContext, None]):
    """Strawberry's ASGI view, handing every request a fresh :class:`ApiContext`."""

    def __init__(self, state: AppState, *, debug: bool) -> None:
        super().__init__(
            schema if debug else production_schema,
            graphql_ide="graphiql" if debug else None,
            allow_queries_via_get=False,
            # The legacy ``graphql-ws`` protocol skips connection_init auth (CVE-2026-35523).
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            max_subscriptions_per_connection=state.settings.max_subscriptions_per_connection,
            allowed_origins=state.settings.websocket_origins,
        )
        self.state = state

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> ApiContext:
        principal = request.scope.get("state", {}).get("principal") if isinstance(request, Request) else None
        return ApiContext(self.state, request, response, principal)

    async def on_ws_connect(self, context: ApiContext) -> UnsetType | dict[str, object] | None:
        params = context.connection_params or {}
        raw = params.get("authorization", params.get("Authorization")) if isinstance(params, dict) else None
        token = bearer_token(raw) if isinstance(raw, str) else None
        principal = await self.state.verifier.verify_async(token) if token else None
        if principal is None and token is None:
            principal = self.state.anonymous
        if principal is None:
            raise ConnectionRejectionError()
        context.principal = principal
        return await super().on_ws_connect(context)


def _job_listener(state: AppState) -> Any:
    def changed(record: JobRecord) -> None:
        if record.kind == "scoring" and record.status == SUCCEEDED:
            state.forget_served_run()
        state.bus.publish(JOBS, asdict(record))

    return changed


def _alert_listener(state: AppState) -> Any:
    def raised(event: AlertEvent) -> None:
        state.bus.publish(ALERTS, alert_payload(event))

    return raised


def create_app(
    engine: Engine,
    *,
    debug: bool = False,
    require_auth: bool = True,
    settings: ApiSettings | None = None,
) -> Starlette:
    """The API over ``engine``.

    ``debug`` serves GraphiQL and allows introspection; ``require_auth=False`` lets requests without
    a key in as viewers and is refused unless ``debug`` is on. ``settings`` default to
    :meth:`ApiSettings.from_env`.
    """
    if not require_auth and not debug:
        raise ValueError("anonymous access (require_auth=False) is for development only; pass debug=True too")
    settings = settings or ApiSettings.from_env()
    state = AppState(engine, settings, anonymous=None if require_auth else ANONYMOUS)
    state.bus = make_bus(settings.redis_url)
    metrics = ApiMetrics(engine)
    state.jobs.add_listener(metrics.job_changed)
    state.jobs.add_listener(_job_listener(state))
    stop_alerts = alert_bus.subscribe(_alert_listener(state))
    view = _GraphQLView(state, debug=debug)

    async def healthz(_request: Request) -> JSONResponse:
        try:
            await run_in_threadpool(ping, engine)
        except SQLAlchemyError:
            log.exception("health check: the store did not answer")
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    async def prometheus(request: Request) -> Response:
        token = bearer_token(request.headers.get("authorization"))
        if not settings.public_metrics and (token is None or await state.verifier.verify_async(token) is None):
            return Response("metrics need an API key: Authorization: Bearer <key>\n", status_code=401, media_type="text/plain")
        body = await run_in_threadpool(metrics.render)
        return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await state.bus.start()
        if settings.freeze_startup_objects:
            gc.collect()
            gc.freeze()
        try:
            yield
        finally:
            stop_alerts()
            await state.bus.close()
            await run_in_threadpool(state.jobs.shutdown)

    middleware = [Middleware(MetricsMiddleware, metrics=metrics)]
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST", "OPTIONS"],
                allow_headers=["authorization", "content-type"],
                max_age=600,
            )
        )
    app = Starlette(
        debug=debug,
        routes=[
            Route("/graphql", RequireKey(view, state.verifier, anonymous=state.anonymous), methods=["GET", "POST"]),
            WebSocketRoute("/graphql", view),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", prometheus, methods=["GET"]),
            *_admin_routes(engine, settings, debug=debug),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )
    app.state.api = state
    return app
