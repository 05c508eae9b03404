"""A fake SuiteCRM V8 API answering with the recorded response shapes over test-controlled records.

Covers what the connector uses: the token endpoint, ``meta/fields/<Module>``, paged lists with
``fields``/``filter[date_modified][gte]``/``sort``/``page``, and ``PATCH /module``. Like the real
7.14 it compares the filter against second-precision database values but renders minute
precision, answers ``"attributes"`` as strings, puts ``links.next: null`` on the last page and an
empty ``data`` with ``meta.message`` past it, and bumps ``date_modified`` on PATCH (the echo).
"""

from __future__ import annotations

import json
import random
import secrets
import threading
import uuid
from bisect import bisect_left
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from connector.testing.loopback import FakeClock, Reply, json_reply

__all__ = ["FakeSuiteCrm"]

_EMPTY = {"meta": {"message": "Request was successful, but there is no result"}, "data": []}


def _render_time(value: datetime) -> str:
    return value.astimezone(UTC).replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _parse_filter_time(value: str) -> datetime:
    text = value.replace("T", " ")[:19]
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


class FakeSuiteCrm:
    def __init__(
        self,
        clock: FakeClock,
        *,
        module: str = "Accounts",
        type_name: str = "Account",
        meta_fields: Mapping[str, Any] | None = None,
        client_id: str = "client",
        client_secret: str = "secret",
        seed: int = 0,
    ) -> None:
        self.clock = clock
        self.module = module
        self.type_name = type_name
        self.meta_fields = dict(meta_fields or {})
        self.client_id = client_id
        self.client_secret = client_secret
        self.tokens: set[str] = set()
        self.records: dict[str, dict[str, Any]] = {}  # id -> {"attributes", "modified", "seq"}
        self._seq = 0
        self._ids = random.Random(seed)  # UUIDs like SuiteCRM's, but the same on every run
        self._sorted: list[tuple[datetime, int, str]] | None = None
        self._lock = threading.Lock()
        self.patches = 0

    # ---- data ----------------------------------------------------------------------------

    def add(self, attributes: Mapping[str, Any], *, record_id: str | None = None, modified: datetime | None = None) -> str:
        with self._lock:
            rid = record_id or str(uuid.UUID(int=self._ids.getrandbits(128), version=4))
            self._seq += 1
            self.records[rid] = {"attributes": dict(attributes), "modified": modified or self.clock(), "seq": self._seq}
            self._sorted = None
            return rid

    def touch(self, record_id: str, changes: Mapping[str, Any]) -> None:
        with self._lock:
            rec = self.records[record_id]
            rec["attributes"].update(changes)
            rec["modified"] = self.clock()
            self._sorted = None

    def delete(self, record_id: str) -> None:
        with self._lock:
            self.records.pop(record_id, None)
            self._sorted = None

    def _ordered(self) -> list[tuple[datetime, int, str]]:
        if self._sorted is None:
            self._sorted = sorted((r["modified"].replace(microsecond=0), r["seq"], rid) for rid, r in self.records.items())
        return self._sorted

    def rendered(self, record_id: str, fields: list[str] | None = None) -> dict[str, Any]:
        rec = self.records[record_id]
        attrs = {**rec["attributes"], "date_modified": _render_time(rec["modified"])}
        if fields is not None:
            attrs = {f: attrs.get(f, "") for f in fields}
        return {"type": self.type_name, "id": record_id, "attributes": attrs,
                "relationships": {"Contacts": {"links": {"related": f"V8/module/{self.module}/{record_id}/relationships/contacts"}}}}

    # ---- HTTP ----------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: list[tuple[str, str]], body: bytes, headers: dict[str, str]) -> Reply:
        if path.endswith("/Api/access_token"):
            return self._token(body)
        if not path.startswith("/Api/V8/"):
            return json_reply({"message": "Not found"}, 404)
        token = headers.get("authorization", "").removeprefix("Bearer ")
        if token not in self.tokens:
            return json_reply({"error": "access_denied", "error_description": "The resource owner or authorization server "
                               "denied the request.", "hint": "Access token could not be verified",
                               "message": "The resource owner or authorization server denied the request."}, 401)
        rest = path[len("/Api/V8/"):]
        if method == "GET" and rest == f"meta/fields/{self.module}":
            return json_reply({"data": {"type": "fields", "attributes": self.meta_fields}}, 200, "application/vnd.api+json")
        if method == "GET" and rest == f"module/{self.module}":
            return self._list(query)
        if method == "PATCH" and rest == "module":
            return self._patch(body)
        module = rest.split("/")[1] if rest.startswith("module/") and "/" in rest else rest
        return json_reply({"errors": {"status": 400, "title": None, "detail": f"Module {module} does not exist"}}, 400)

    def _token(self, body: bytes) -> Reply:
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            data = {}
        if data.get("scope"):
            return json_reply({"error": "invalid_scope", "error_description": "The requested scope is invalid, unknown, "
                               "or malformed", "message": "The requested scope is invalid, unknown, or malformed"}, 400)
        if data.get("client_id") != self.client_id or data.get("client_secret") != self.client_secret:
            return json_reply({"error": "invalid_client", "error_description": "Client authentication failed",
                               "message": "Client authentication failed"}, 401)
        token = secrets.token_urlsafe(24)
        self.tokens.add(token)
        return json_reply({"token_type": "Bearer", "expires_in": 3600, "access_token": token})

    def _list(self, query: list[tuple[str, str]]) -> Reply:
        params = dict(query)
        allowed = ("fields[", "filter[", "page[", "sort")
        for key, _ in query:
            if not key.startswith(allowed):
                return json_reply({"errors": {"status": 400, "title": None, "detail": f'The option "{key}" does not exist.'}}, 400)
        fields = params.get(f"fields[{self.module}]")
        wanted = fields.split(",") if fields else None
        size = int(params.get("page[size]", 20))
        number = int(params.get("page[number]", 1))
        with self._lock:
            sort = params.get("sort", "")
            if sort == "id":
                after = params.get("filter[id][gt]")
                ordered = sorted(rid for rid in self.records if after is None or rid > after)
                start = 0
            else:  # date_modified, ties in insertion order; the filter is an index range
                keys = self._ordered()
                low = params.get("filter[date_modified][gte]")
                start = bisect_left(keys, (_parse_filter_time(low), -1, "")) if low else 0
                ordered = [k[2] for k in keys]
            total = len(ordered) - start
            total_pages = max(1, -(-total // size))
            chunk = [(rid, self.records[rid]) for rid in ordered[start + (number - 1) * size : start + number * size]]
            if not chunk:
                return json_reply(_EMPTY, 200, "application/vnd.api+json")
            data = [self.rendered(rid, wanted) for rid, _ in chunk]
        base = f"V8/module/{self.module}?page[size]={size}"
        links = {
            "first": None if number == 1 else f"{base}&page[number]=1",
            "prev": None if number == 1 else f"{base}&page[number]={number - 1}",
            "next": None if number >= total_pages else f"{base}&page[number]={number + 1}",
            "last": None if number >= total_pages else f"{base}&page[number]={total_pages}",
        }
        payload = {"meta": {"total-pages": total_pages, "records-on-this-page": len(data)}, "data": data, "links": links}
        return json_reply(payload, 200, "application/vnd.api+json")

    def _patch(self, body: bytes) -> Reply:
        try:
            data = json.loads(body)["data"]
        except (ValueError, KeyError, TypeError):
            return json_reply({"errors": {"status": 400, "title": None, "detail": 'The required option "data" is missing.'}}, 400)
        rid = data.get("id")
        if rid not in self.records:
            return json_reply({"errors": {"status": 400, "title": None,
                                          "detail": f"{self.module} module with id {rid} is not found"}}, 400)
        changes = {k: ("" if v is None else (f"{v:.2f}" if isinstance(v, float) else str(v)))
                   for k, v in (data.get("attributes") or {}).items()}
        self.patches += 1
        self.touch(rid, changes)
        return json_reply({"data": self.rendered(rid)}, 201, "application/vnd.api+json")
