"""How an API process is configured: origins, Redis, links into the host CRMs, caching.

Everything has a safe default (no cross-origin access, in-process events, no CRM links), and
:meth:`ApiSettings.from_env` reads the ``CRMSCORE_*`` environment variables documented in
docs/graphql.md, so ``crmscore serve`` and a container need no code to configure.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

__all__ = ["ApiSettings", "crm_url_variable"]

_CRM_URL_PREFIX = "CRMSCORE_CRM_URL_"


def crm_url_variable(source: str) -> str:
    """The environment variable holding the record-URL template of ``source``."""
    return _CRM_URL_PREFIX + re.sub(r"[^A-Z0-9]", "_", source.upper())


def _origins(value: str | None) -> tuple[str, ...]:
    return tuple(o.strip() for o in (value or "").split(",") if o.strip())


@dataclass(frozen=True)
class ApiSettings:
    """``crm_urls`` maps a source to a template such as ``https://crm.example.com/accounts/{external_id}``."""

    cors_origins: tuple[str, ...] = ()
    ws_origins: tuple[str, ...] | None = None  # None: the same as cors_origins
    redis_url: str | None = None
    crm_urls: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    max_subscriptions_per_connection: int = 10
    served_run_ttl: float = 1.0  # seconds a process reuses "which run is served" before asking again
    count_cache_ttl: float = 1.0  # seconds a process reuses a customers totalCount per run and filter
    key_cache_ttl: float = 10.0  # seconds a verified key is trusted before it is checked again
    job_workers: int = 2
    public_metrics: bool = False  # /metrics without a key (e.g. scraped on a private network)
    admin_secret: str | None = None  # signs the admin page's session cookies (CRMSCORE_ADMIN_SECRET)
    # The CRMs runSync / writeBackScores may reach: the same file as `crmscore sync` (CRMSCORE_SOURCES).
    sources_file: Path = Path("sources.yaml")
    # Move what start-up built (schema, tables, libraries) out of the garbage collector's sight once
    # the app has started (CRMSCORE_GC_FREEZE, on unless "0"). Full collections otherwise rescan
    # those objects and stall every request in flight: at 100 req/s on 100,000 customers this
    # took p99 from ~650 ms to ~40 ms (docs/benchmarks.md). Off by default for embedded apps (tests).
    freeze_startup_objects: bool = False

    @property
    def websocket_origins(self) -> tuple[str, ...]:
        return self.cors_origins if self.ws_origins is None else self.ws_origins

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ApiSettings:
        env = os.environ if environ is None else environ
        ws = env.get("CRMSCORE_WS_ORIGINS")
        crm_urls: dict[str, str] = {}
        for name, value in env.items():
            if name.startswith(_CRM_URL_PREFIX) and value.strip():
                crm_urls[name[len(_CRM_URL_PREFIX) :].lower()] = value.strip()
        return cls(
            cors_origins=_origins(env.get("CRMSCORE_CORS_ORIGINS")),
            ws_origins=None if ws is None else _origins(ws),
            redis_url=env.get("CRMSCORE_REDIS_URL") or None,
            crm_urls=MappingProxyType(crm_urls),
            public_metrics=env.get("CRMSCORE_METRICS_PUBLIC", "").lower() in ("1", "true", "yes"),
            admin_secret=env.get("CRMSCORE_ADMIN_SECRET") or None,
            sources_file=Path(env.get("CRMSCORE_SOURCES") or "sources.yaml"),
            freeze_startup_objects=env.get("CRMSCORE_GC_FREEZE", "1").lower() not in ("0", "false", "no"),
        )

    def crm_url(self, source: str, external_id: str) -> str | None:
        """The link to the record in its CRM, or None when no template is configured for the source."""
        template = self.crm_urls.get(source) or self.crm_urls.get(re.sub(r"[^a-z0-9]", "_", source.lower()))
        if template is None:
            return None
        from urllib.parse import quote

        return template.replace("{external_id}", quote(external_id, safe=""))
