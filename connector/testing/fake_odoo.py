"""A fake Odoo JSON-RPC server answering with the recorded shapes over test-controlled records.

It keeps the quirks the connector must survive: errors are HTTP 200 with ``error.data.name``,
``write_date`` is stored with microseconds but returned truncated to the second, ``false`` stands
for empty, archived rows are hidden unless ``context.active_test`` is false, and ``write`` bumps
``write_date`` (so a write-back echoes into the next incremental sync).
"""

from __future__ import annotations

import json
import threading
from bisect import bisect_left
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from connector.testing.loopback import FakeClock, Reply, json_reply

__all__ = ["FakeOdoo"]


def _render(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _parse(value: str) -> datetime:
    return datetime.strptime(value.replace("T", " ")[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


def _error(rid: Any, name: str, message: str) -> Reply:
    return json_reply({"jsonrpc": "2.0", "id": rid, "error": {"code": 200, "message": "Odoo Server Error", "data": {
        "name": name, "debug": "Traceback (most recent call last): ...", "message": message, "arguments": [message],
        "context": {}}}})


class FakeOdoo:
    def __init__(
        self,
        clock: FakeClock,
        *,
        model: str = "res.partner",
        field_types: Mapping[str, str] | None = None,
        database: str = "crm",
        login: str = "admin",
        password: str = "admin",
        version: tuple[int, str] = (17, "17.0-20240709"),
    ) -> None:
        self.clock = clock
        self.model = model
        self.field_types = dict(field_types or {})
        self.database, self.login, self.password = database, login, password
        self.version = version
        self.records: dict[int, dict[str, Any]] = {}
        self._sorted: list[tuple[datetime, int]] | None = None
        self._next_id = 1
        self._lock = threading.Lock()
        self.writes = 0

    # ---- data ----------------------------------------------------------------------------

    def add(self, values: Mapping[str, Any], *, modified: datetime | None = None) -> int:
        with self._lock:
            rid = self._next_id
            self._next_id += 1
            self.records[rid] = {"active": True, **values, "id": rid, "write_date": modified or self.clock()}
            self._sorted = None
            return rid

    def touch(self, rid: int, changes: Mapping[str, Any]) -> None:
        with self._lock:
            self.records[rid].update(changes)
            self.records[rid]["write_date"] = self.clock()
            self._sorted = None

    def delete(self, rid: int) -> None:
        with self._lock:
            self.records.pop(rid, None)
            self._sorted = None

    # ---- domain --------------------------------------------------------------------------

    def _match(self, record: Mapping[str, Any], leaf: list[Any]) -> bool:
        field, op, value = leaf
        have = record.get(field)
        if field in ("write_date", "create_date") and isinstance(value, str):
            value = _parse(value)
        if isinstance(have, list | tuple) and len(have) == 2:
            have = have[0]
        if op == "=":
            return have == value
        if op == "!=":
            return have != value
        if op in ("in", "not in"):
            return (have in value) == (op == "in")
        if have is None or have is False:
            return False
        return {">=": have >= value, ">": have > value, "<": have < value, "<=": have <= value}[op]

    def _ordered(self) -> list[tuple[datetime, int]]:
        if self._sorted is None:
            self._sorted = sorted((r["write_date"], r["id"]) for r in self.records.values())
        return self._sorted

    def _search(self, domain: list[Any], context: Mapping[str, Any], order: str | None,
                offset: int = 0, limit: int | None = None) -> list[dict[str, Any]]:
        if any(not isinstance(leaf, list) or len(leaf) != 3 for leaf in domain):
            raise ValueError(f"this fake only evaluates AND-ed leaves, not {domain!r}")
        active_test = context.get("active_test", True) and not any(leaf[0] == "active" for leaf in domain)
        if order and order.startswith("write_date"):
            # Walk the (write_date, id) order from the lower bound, like an index scan, and stop at the limit.
            lows = [_parse(v) for f, op, v in domain if f == "write_date" and op == ">=" and isinstance(v, str)]
            keys = self._ordered()
            start = bisect_left(keys, (max(lows), -1)) if lows else 0
            rows: list[dict[str, Any]] = []
            skipped = 0
            for i in range(start, len(keys)):
                record = self.records.get(keys[i][1])
                if record is None or (active_test and not record.get("active")):
                    continue
                if all(self._match(record, leaf) for leaf in domain):
                    if skipped < offset:
                        skipped += 1
                        continue
                    rows.append(record)
                    if limit and len(rows) >= limit:
                        break
            return rows
        rows = [r for r in self.records.values() if (not active_test or r.get("active"))
                and all(self._match(r, leaf) for leaf in domain)]
        rows.sort(key=lambda r: r["id"])
        return rows[offset : offset + limit if limit else None]

    def _read(self, record: Mapping[str, Any], fields: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {"id": record["id"]}
        for f in fields or [k for k in record if k != "id"]:
            value = record.get(f, False)
            if isinstance(value, datetime):
                value = _render(value)
            out[f] = False if value is None else value
        return out

    # ---- HTTP ----------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: list[tuple[str, str]], body: bytes, headers: dict[str, str]) -> Reply:
        if path != "/jsonrpc":
            return json_reply({"jsonrpc": "2.0", "id": None, "error": {"code": 404, "message": "404: Not Found"}})
        call = json.loads(body)
        rid, params = call.get("id"), call["params"]
        service, fn, args = params["service"], params["method"], params.get("args", [])
        if service == "common" and fn == "version":
            return json_reply({"jsonrpc": "2.0", "id": rid, "result": {
                "server_version": self.version[1], "server_version_info": [self.version[0], 0, 0, "final", 0, ""],
                "server_serie": f"{self.version[0]}.0", "protocol_version": 1}})
        if service == "common" and fn == "authenticate":
            ok = args[:3] == [self.database, self.login, self.password]
            return json_reply({"jsonrpc": "2.0", "id": rid, "result": 2 if ok else False})
        _db, uid, password, model, orm, orm_args, kwargs = args
        if password != self.password or uid != 2:
            return _error(rid, "odoo.exceptions.AccessDenied", "Access Denied")
        if model != self.model:
            return _error(rid, "odoo.exceptions.UserError", f"Object {model} doesn't exist")
        try:
            result = self._execute(orm, orm_args, kwargs)
        except KeyError as exc:
            return _error(rid, "odoo.exceptions.MissingError", f"Record does not exist or has been deleted. {exc}")
        except ValueError as exc:
            return _error(rid, "builtins.ValueError", str(exc))
        return json_reply({"jsonrpc": "2.0", "id": rid, "result": result})

    def _execute(self, orm: str, args: list[Any], kwargs: Mapping[str, Any]) -> Any:
        context = kwargs.get("context") or {}
        with self._lock:
            if orm == "fields_get":
                names = args[0] if args else list(self.field_types)
                return {n: {"type": self.field_types[n]} for n in names if n in self.field_types}
            if orm == "search_read":
                fields = kwargs.get("fields") or []
                unknown = [f for f in fields if f not in self.field_types and f != "id"]
                if unknown:
                    raise ValueError(f"Invalid field {unknown[0]!r} on model {self.model!r}")
                rows = self._search(args[0], context, kwargs.get("order"), int(kwargs.get("offset") or 0), kwargs.get("limit"))
                return [self._read(r, fields) for r in rows]
            if orm == "search":
                return [r["id"] for r in self._search(args[0], context, kwargs.get("order"))]
            if orm == "search_count":
                return len(self._search(args[0], context, None))
            if orm == "read":
                ids, fields = args[0], (args[1] if len(args) > 1 else kwargs.get("fields", []))
                return [self._read(self.records[i], fields) for i in ids if i in self.records]
            if orm == "write":
                ids, values = args
                missing = [i for i in ids if i not in self.records]
                if missing:
                    raise KeyError(f"(Record: {self.model}({missing[0]},))")
                now = self.clock()
                for i in ids:
                    self.records[i].update(values)
                    self.records[i]["write_date"] = now
                self._sorted = None
                self.writes += 1
                return True
        raise ValueError(f"The method {orm!r} does not exist on the model {self.model!r}")
