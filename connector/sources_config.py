"""The sources file: which CRMs crmscore syncs, how to reach them, and mapping overrides.

::

    sources:
      odoo:
        kind: odoo
        url: https://odoo.example.com
        database: crm
        login: crmscore-bot
        password_env: CRMSCORE_ODOO_PASSWORD    # secrets only ever come from the environment
        streams:
          crm_leads: {enabled: false}
          partners: {extra_fields: [x_studio_tier]}

Secrets are never written in the file: ``*_env`` keys name environment variables. Every problem
is reported with the file, line and key path (``sources.yaml:7: sources.odoo.pasword_env: unknown
key ... (did you mean 'password_env'?)``). See ``configs/sources/example.yaml`` and
``docs/connectors.md``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from connector.api_mapping import StreamSpec, merge_spec, parse_stream
from connector.http import HttpClient, RetryPolicy
from connector.mapping import MappingError, did_you_mean

__all__ = ["SourceConfig", "SourcesError", "build_source", "build_writer", "load_sources", "parse_sources", "writeback_fields"]

_COMMON = ("kind", "url", "page_size", "lookback_seconds", "margin_seconds", "rate_per_second", "timeout_seconds",
           "retries", "reconcile_every_hours", "streams", "writeback")
_KINDS: dict[str, tuple[str, ...]] = {
    "odoo": (*_COMMON, "database", "login", "password_env", "api_key_env", "protocol"),
    "suitecrm": (*_COMMON, "api_root", "grant", "client_id", "client_secret_env", "username", "password_env"),
}
_WRITEBACK_KEYS = ("fields", "batch_size")


class SourcesError(MappingError):
    """The sources file is wrong; the message names the file, line and key path."""


@dataclass(frozen=True)
class SourceConfig:
    name: str
    kind: str
    url: str
    settings: Mapping[str, Any]
    streams: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    writeback: Mapping[str, Any] = field(default_factory=dict)
    where: str = ""

    @property
    def lookback(self) -> timedelta:
        default = 300 if self.kind == "suitecrm" else 60
        return timedelta(seconds=float(self.settings.get("lookback_seconds", default)))

    @property
    def margin(self) -> timedelta:
        return timedelta(seconds=float(self.settings.get("margin_seconds", 0)))

    @property
    def reconcile_every(self) -> timedelta:
        return timedelta(hours=float(self.settings.get("reconcile_every_hours", 24)))

    def secret(self, key: str, *, required: bool = True) -> str | None:
        """The value of the environment variable named by ``key`` (e.g. ``password_env``)."""
        variable = self.settings.get(key)
        if variable is None:
            if required:
                raise SourcesError(f"{self.where}: sources.{self.name}: set {key} to the name of the environment "
                                   "variable that holds the secret")
            return None
        value = os.environ.get(str(variable))
        if not value:
            raise SourcesError(f"{self.where}: sources.{self.name}.{key}: environment variable {variable} is not set")
        return value


def _line(node: Any, key: Any) -> str:
    lc = getattr(node, "lc", None)
    try:
        return f":{int(lc.key(key)[0]) + 1}" if lc is not None else ""
    except (KeyError, TypeError, AttributeError):
        return ""


def load_sources(path: Path) -> dict[str, SourceConfig]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourcesError(f"{path}: cannot read the sources file: {exc.strerror or exc}") from exc
    try:
        data = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise SourcesError(f"{path}{f':{mark.line + 1}' if mark else ''}: not valid YAML: {exc.problem or exc.context}") from exc
    except YAMLError as exc:
        raise SourcesError(f"{path}: not valid YAML: {exc}") from exc
    return parse_sources(data, name=str(path))


def parse_sources(data: Any, *, name: str = "<sources>") -> dict[str, SourceConfig]:
    problems: list[str] = []
    if not isinstance(data, Mapping) or not isinstance(data.get("sources"), Mapping):
        raise SourcesError(f"{name}: expected a top-level 'sources:' mapping of source names")
    for key in data:
        if key != "sources":
            problems.append(f"{name}{_line(data, key)}: {key}: unknown key; the file holds only 'sources'")
    configs: dict[str, SourceConfig] = {}
    for source_name, spec in data["sources"].items():
        where = f"{name}{_line(data['sources'], source_name)}"
        path = f"sources.{source_name}"
        if not isinstance(spec, Mapping):
            problems.append(f"{where}: {path}: expected a mapping with kind and url")
            continue
        kind = spec.get("kind")
        if kind not in _KINDS:
            problems.append(f"{where}: {path}.kind: expected one of {', '.join(_KINDS)}, found {kind!r}")
            continue
        for key in spec:
            if key not in _KINDS[kind]:
                problems.append(f"{name}{_line(spec, key)}: {path}.{key}: unknown key for {kind} sources"
                                f"{did_you_mean(str(key), _KINDS[kind])}")
        url = spec.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            problems.append(f"{name}{_line(spec, 'url')}: {path}.url: expected an http(s) URL, found {url!r}")
        for key in ("page_size", "lookback_seconds", "margin_seconds", "rate_per_second", "timeout_seconds", "retries",
                    "reconcile_every_hours"):
            value = spec.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or value < 0):
                problems.append(f"{name}{_line(spec, key)}: {path}.{key}: expected a non-negative number, found {value!r}")
        if kind == "odoo" and not spec.get("database"):
            problems.append(f"{where}: {path}.database: name the Odoo database")
        if kind == "suitecrm" and not spec.get("client_id"):
            problems.append(f"{where}: {path}.client_id: give the OAuth2 client id (Admin > OAuth2 Clients)")
        streams = spec.get("streams") or {}
        if not isinstance(streams, Mapping):
            problems.append(f"{name}{_line(spec, 'streams')}: {path}.streams: expected a mapping of stream overrides")
            streams = {}
        writeback = spec.get("writeback") or {}
        if not isinstance(writeback, Mapping) or any(k not in _WRITEBACK_KEYS for k in writeback):
            problems.append(f"{name}{_line(spec, 'writeback')}: {path}.writeback: expected keys {', '.join(_WRITEBACK_KEYS)}")
            writeback = {}
        configs[str(source_name)] = SourceConfig(
            name=str(source_name), kind=str(kind), url=str(url or ""),
            settings={k: _plain(v) for k, v in spec.items() if k not in ("streams", "writeback")},
            streams={str(k): _plain(v) for k, v in streams.items()}, writeback=_plain(writeback), where=where,
        )
    if problems:
        raise SourcesError("; ".join(problems))
    return configs


def _plain(value: Any) -> Any:
    """ruamel's commented containers as plain dicts and lists."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _http(config: SourceConfig, label: str) -> HttpClient:
    retry = RetryPolicy(attempts=int(config.settings.get("retries", 5)) + 1)
    timeout = float(config.settings.get("timeout_seconds", 120))
    rate = config.settings.get("rate_per_second")
    return HttpClient(config.url, timeout=(min(10.0, timeout), timeout), retry=retry,
                      rate_per_second=float(rate) if rate else None, label=label)


def _streams(config: SourceConfig, defaults: Mapping[str, Mapping[str, Any]]) -> list[StreamSpec]:
    unknown = sorted(set(config.streams) - set(defaults))
    specs = []
    for name, default in defaults.items():
        specs.append(parse_stream(name, merge_spec(default, config.streams.get(name)),
                                  where=f"{config.where}: sources.{config.name}.streams.{name}"))
    for name in unknown:  # an admin's own stream (another module/model): it must be complete
        specs.append(parse_stream(name, config.streams[name], where=f"{config.where}: sources.{config.name}.streams.{name}"))
    return specs


def writeback_fields(config: SourceConfig, default: Mapping[str, str]) -> dict[str, str]:
    fields = dict(default)
    fields.update({str(k): str(v) for k, v in (config.writeback.get("fields") or {}).items() if v})
    return {k: v for k, v in fields.items() if k in default}


def build_source(config: SourceConfig) -> Any:
    """The adapter (a :class:`~connector.incremental.CrmSource`) for one configured source."""
    if config.kind == "suitecrm":
        from connector.suitecrm import (
            SUITECRM_STREAMS,
            SUITECRM_WRITEBACK,
            SuiteCrmClient,
            SuiteCrmSource,
        )

        grant = str(config.settings.get("grant", "client_credentials"))
        client = SuiteCrmClient(
            config.url, client_id=str(config.settings["client_id"]), client_secret=config.secret("client_secret_env") or "",
            grant=grant,  # type: ignore[arg-type]
            username=config.settings.get("username"),
            password=config.secret("password_env") if grant == "password" else None,
            api_root=str(config.settings.get("api_root", "Api")), http=_http(config, "SuiteCRM"),
        )
        return SuiteCrmSource(config.name, client, _streams(config, SUITECRM_STREAMS),
                              page_size=int(config.settings.get("page_size", 100)),
                              writeback_fields=frozenset(writeback_fields(config, SUITECRM_WRITEBACK["fields"]).values()))
    from connector.odoo import ODOO_WRITEBACK, OdooSource, connect, odoo_streams

    password = config.secret("password_env", required=False)
    api_key = config.secret("api_key_env", required=False)
    if not (password or api_key):
        raise SourcesError(f"{config.where}: sources.{config.name}: set password_env or api_key_env")
    transport = connect(_http(config, "Odoo"), database=str(config.settings["database"]),
                        login=config.settings.get("login"), password=password, api_key=api_key,
                        protocol=str(config.settings.get("protocol", "auto")))  # type: ignore[arg-type]
    return OdooSource(config.name, transport, _streams(config, odoo_streams(transport.version)),
                      page_size=int(config.settings.get("page_size", 200)),
                      writeback_fields=frozenset(writeback_fields(config, ODOO_WRITEBACK["fields"]).values()))


def build_writer(config: SourceConfig, source: Any) -> Any:
    """The score writer for a built source, with the configured field names."""
    if config.kind == "suitecrm":
        from connector.suitecrm import SUITECRM_WRITEBACK
        from connector.suitecrm.writer import SuiteCrmWriter

        return SuiteCrmWriter(source.client, module=SUITECRM_WRITEBACK["module"],
                              fields=writeback_fields(config, SUITECRM_WRITEBACK["fields"]))
    from connector.odoo import ODOO_WRITEBACK
    from connector.odoo.writer import OdooWriter

    return OdooWriter(source.transport, model=ODOO_WRITEBACK["model"], fields=writeback_fields(config, ODOO_WRITEBACK["fields"]))
