"""Calling Odoo's ORM over the wire: JSON-RPC ``execute_kw`` (Odoo ≤ 18) and JSON-2 (19+).

Both transports take the same ``call(model, method, args, kwargs)`` — the JSON-RPC shape the
recordings show — so the adapter does not care which one is under it; :func:`connect` picks one
with a version probe (``common.version``). Odoo reports every JSON-RPC error with HTTP **200** and
an ``error`` object; only ``error.data.name`` (plus ``exception_type`` on Odoo 11) tells them apart,
and that is what :class:`~connector.crm_errors.CrmRequestError.kind` is derived from. JSON-2 uses
real HTTP statuses (401, 403, 404, 422, 500) with the same serialized exception as the body.
Tracebacks (``error.data.debug``) are never put into messages.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any, Literal, Protocol

import requests

from connector.crm_errors import CrmAuthError, CrmRequestError, truncate
from connector.http import HttpClient

__all__ = ["Json2Transport", "JsonRpcTransport", "OdooTransport", "classify", "connect", "server_version"]

_KINDS = {
    "odoo.exceptions.AccessDenied": "auth",
    "odoo.http.SessionExpiredException": "auth",
    "werkzeug.exceptions.Unauthorized": "auth",
    "odoo.exceptions.AccessError": "access",
    "odoo.exceptions.MissingError": "missing",
    "odoo.exceptions.ValidationError": "validation",
    "odoo.exceptions.UserError": "validation",
    "odoo.exceptions.Warning": "validation",
    "builtins.ValueError": "invalid",
    "builtins.TypeError": "invalid",
    "builtins.AttributeError": "invalid",
    "builtins.KeyError": "not_found",
}
_EXCEPTION_TYPES = {  # Odoo 11's error.data.exception_type
    "access_denied": "auth",
    "access_error": "access",
    "missing_error": "missing",
    "user_error": "validation",
    "validation_error": "validation",
}
# JSON-2 takes named arguments only: the positional names of the methods the connector uses.
_POSITIONAL = {
    "search_read": ("domain", "fields", "offset", "limit", "order"),
    "search": ("domain", "offset", "limit", "order"),
    "search_count": ("domain",),
    "read": ("fields",),
    "write": ("vals",),
    "create": ("vals_list",),
    "fields_get": ("allfields", "attributes"),
    "unlink": (),
    "check_object_reference": ("module", "xml_id"),
}
_RECORD_METHODS = frozenset({"read", "write", "unlink"})


def classify(error: Mapping[str, Any]) -> tuple[str, str, str]:
    """``(kind, name, message)`` of an Odoo error object (JSON-RPC ``error`` or a JSON-2 body)."""
    inner = error.get("data")
    data: Mapping[str, Any] = inner if isinstance(inner, Mapping) else error
    name = str(data.get("name") or "")
    message = data.get("message") or error.get("message") or name or "Odoo error"
    kind = _KINDS.get(name) or _EXCEPTION_TYPES.get(str(data.get("exception_type") or ""))
    if kind is None:
        if name.startswith("psycopg2"):
            kind = "database"
        elif name.endswith("MissingError"):
            kind = "missing"
        else:
            kind = "server"
    return kind, name, truncate(str(message))


class OdooTransport(Protocol):
    version: int
    uid: int | None

    def call(self, model: str, method: str, args: list[Any] | None = None, kwargs: Mapping[str, Any] | None = None) -> Any: ...


def _raise(model: str, method: str, kind: str, name: str, message: str, status: int | None = None) -> None:
    text = f"Odoo {model}.{method}: {message}" + (f" ({name})" if name else "")
    if kind == "auth":
        raise CrmAuthError(f"{text}; check the login and password or API key")
    raise CrmRequestError(text, status=status, kind=kind, name=name or None)


def server_version(http: HttpClient) -> tuple[int, str]:
    """``(major, full string)`` from ``common.version`` (no login needed; 19 still answers it)."""
    body = {"jsonrpc": "2.0", "method": "call", "id": 1, "params": {"service": "common", "method": "version", "args": []}}
    response = http.send("POST", "jsonrpc", json=body)
    payload = _json(response, "common.version")
    if "error" in payload:
        kind, name, message = classify(payload["error"])
        _raise("common", "version", kind, name, message)
    result = payload.get("result") or {}
    info = result.get("server_version_info") or [0]
    return int(info[0]), str(result.get("server_version") or "")


def _json(response: requests.Response, what: str) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        raise CrmRequestError(
            f"Odoo {what}: HTTP {response.status_code} with a body that is not JSON "
            f"({truncate(response.text, 80)!r}); is the URL the Odoo server's root?",
            status=response.status_code, kind="invalid",
        ) from None
    return data if isinstance(data, dict) else {"result": data}


class JsonRpcTransport:
    """``POST /jsonrpc`` with ``object.execute_kw``; logs in once with ``common.authenticate``."""

    def __init__(self, http: HttpClient, *, database: str, login: str, password: str, version: int = 0) -> None:
        self.http = http
        self.database = database
        self.login = login
        self._password = password
        self.version = version
        self.uid: int | None = None
        self._ids = itertools.count(1)

    def _rpc(self, service: str, method: str, args: list[Any], what: str) -> Any:
        body = {"jsonrpc": "2.0", "method": "call", "id": next(self._ids),
                "params": {"service": service, "method": method, "args": args}}
        response = self.http.send("POST", "jsonrpc", json=body)
        if response.status_code != 200:
            raise CrmRequestError(f"Odoo {what}: HTTP {response.status_code} {response.reason or ''}".strip(),
                                  status=response.status_code, kind="not_found" if response.status_code == 404 else "server")
        payload = _json(response, what)
        if "error" in payload:
            kind, name, message = classify(payload["error"])
            model, _, orm = what.partition(".")
            _raise(model, orm, kind, name, message)
        return payload.get("result")  # omitted, not null, when the method returns None

    def authenticate(self) -> int:
        uid = self._rpc("common", "authenticate", [self.database, self.login, self._password, {}], "common.authenticate")
        if not uid:
            raise CrmAuthError(f"Odoo refused login {self.login!r} on database {self.database!r}: wrong login or "
                               "password/API key (Odoo answers false, not an error)")
        self.uid = int(uid)
        return self.uid

    def call(self, model: str, method: str, args: list[Any] | None = None, kwargs: Mapping[str, Any] | None = None) -> Any:
        if self.uid is None:
            self.authenticate()
        return self._rpc(
            "object", "execute_kw",
            [self.database, self.uid, self._password, model, method, list(args or []), dict(kwargs or {})],
            f"{model}.{method}",
        )


class Json2Transport:
    """``POST /json/2/<model>/<method>`` with ``Authorization: bearer <API key>`` (Odoo 19+)."""

    def __init__(self, http: HttpClient, *, api_key: str, database: str | None = None, version: int = 19) -> None:
        self.http = http
        self._headers = {"Authorization": f"bearer {api_key}", "Content-Type": "application/json; charset=utf-8"}
        if database:
            self._headers["X-Odoo-Database"] = database
        self.version = version
        self.uid: int | None = None

    @staticmethod
    def named(method: str, args: list[Any], kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """JSON-RPC style ``args``/``kwargs`` as JSON-2's named body (``ids`` first for record methods)."""
        args = list(args)
        body: dict[str, Any] = {}
        if method in _RECORD_METHODS and args:
            body["ids"] = args.pop(0)
        names = _POSITIONAL.get(method)
        if names is None and args:
            raise ValueError(f"JSON-2 needs named arguments for {method}; pass them as kwargs")
        for name, value in zip(names or (), args):
            body[name] = value
        body.update(kwargs)
        return body

    def call(self, model: str, method: str, args: list[Any] | None = None, kwargs: Mapping[str, Any] | None = None) -> Any:
        body = self.named(method, list(args or []), dict(kwargs or {}))
        response = self.http.send(
            "POST", f"json/2/{model}/{method}", json=body, headers=self._headers,
            retry_if=lambda r: not _is_odoo_exception(r),  # a serialized exception is final, even as a 500
        )
        if response.status_code == 200:
            return response.json() if response.content else None
        try:
            data = response.json()
        except ValueError:
            data = None
        if isinstance(data, str):  # early 19.0 builds answered a bare JSON string
            data = {"message": data, "name": "werkzeug.exceptions.Unauthorized" if response.status_code == 401 else ""}
        if not isinstance(data, dict):
            data = {"message": truncate(response.text or response.reason or "", 120)}
        kind, name, message = classify(data)
        if response.status_code == 401:
            kind = "auth"
        elif kind == "server":
            kind = {403: "access", 404: "not_found", 422: "validation"}.get(response.status_code, "server")
        _raise(model, method, kind, name, message, response.status_code)


def _is_odoo_exception(response: requests.Response) -> bool:
    try:
        data = response.json()
    except ValueError:
        return False
    return isinstance(data, dict) and "name" in data and "message" in data


def connect(
    http: HttpClient,
    *,
    database: str,
    login: str | None = None,
    password: str | None = None,
    api_key: str | None = None,
    protocol: Literal["auto", "jsonrpc", "json2"] = "auto",
) -> OdooTransport:
    """A transport for this server: JSON-2 on 19+ when an API key is given, JSON-RPC otherwise."""
    if protocol == "json2":
        if not api_key:
            raise CrmAuthError("Odoo JSON-2 needs an API key (api_key_env in the sources file)")
        return Json2Transport(http, api_key=api_key, database=database)
    major, _full = server_version(http)
    if protocol == "auto" and major >= 19 and api_key:
        return Json2Transport(http, api_key=api_key, database=database, version=major)
    secret = password or api_key
    if not (login and secret):
        raise CrmAuthError(f"Odoo {major or '?'} over JSON-RPC needs a login and a password or API key")
    return JsonRpcTransport(http, database=database, login=login, password=secret, version=major)
