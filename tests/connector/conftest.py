"""Replaying the real recorded CRM traffic in ``../shared/reference/recordings`` with vcrpy.

Nothing here invents a payload: ``recorded`` builds a cassette in ``tmp_path`` out of recorded
exchanges picked by their sequence number in ``exchanges.jsonl`` (so one test can chain the token
call of one scenario with the list calls of another), and the matchers say how strictly a request
must equal the recorded one:

* ``suitecrm_query`` — the query parameters, as vcrpy's ``query`` matcher, except that a
  ``filter[...]`` datetime may be written ``2026-11-22 21:36:00`` or ``2026-11-22T21:36:00+00:00``:
  the recording shows SuiteCRM treats the two alike (``08_filters_sort``, exchanges 41 and 43);
* ``jsonrpc_params`` — the whole JSON-RPC ``params`` (only the request ``id`` counter may differ);
* ``odoo_call`` — the service, model and ORM method only, for tests whose domain deliberately
  differs from the recorded one (the connector adds a fixed window end and ``active_test``); the
  test then checks what was sent on its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import vcr
import yaml

from connector.api_mapping import parse_stream
from connector.http import HttpClient
from connector.odoo import ODOO_WRITEBACK, OdooSource, connect, odoo_streams
from connector.suitecrm import (
    SUITECRM_STREAMS,
    SUITECRM_WRITEBACK,
    SuiteCrmClient,
    SuiteCrmSource,
)
from connector.testing import FakeClock, FakeOdoo, FakeSuiteCrm

RECORDINGS = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "recordings"
FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "fixtures"


def _jsonl(crm: str) -> dict[int, dict[str, Any]]:
    path = RECORDINGS / crm / "exchanges.jsonl"
    if not path.is_file():
        pytest.fail(f"recorded traffic is missing: {path} (the connector tests replay it)")
    with path.open(encoding="utf-8") as fh:
        return {(e := json.loads(line))["seq"]: e for line in fh if line.strip()}


_CACHE: dict[str, dict[int, dict[str, Any]]] = {}


def exchanges(crm: str) -> dict[int, dict[str, Any]]:
    if crm not in _CACHE:
        _CACHE[crm] = _jsonl(crm)
    return _CACHE[crm]


def recorded_json(crm: str, seq: int) -> Any:
    """The parsed response body of one recorded exchange."""
    return json.loads(exchanges(crm)[seq]["response"]["body"]["string"])


def _normal_query(uri: str, ignore: frozenset[str]) -> list[tuple[str, str]]:
    pairs = []
    for key, value in parse_qsl(urlsplit(uri).query, keep_blank_values=True):
        if key in ignore:
            continue
        if key.startswith("filter[") and len(value) >= 19 and value[4] == "-" and value[10] in "T ":
            value = value.replace("T", " ")[:19]
        pairs.append((key, value))
    return sorted(pairs)


def _params(body: Any) -> dict[str, Any]:
    if isinstance(body, bytes):
        body = body.decode()
    return json.loads(body)["params"] if body else {}


def _call_key(request: Any) -> tuple[Any, ...]:
    if not request.path.endswith("/jsonrpc"):
        return (request.path,)
    params = _params(request.body)
    args = params.get("args", [])
    orm = tuple(args[3:5]) if params.get("method") == "execute_kw" else ()
    return (params.get("service"), params.get("method"), orm)


def make_vcr(ignore_query: frozenset[str] = frozenset()) -> vcr.VCR:
    my = vcr.VCR(record_mode="none", decode_compressed_response=False)

    def suitecrm_query(r1: Any, r2: Any) -> None:
        assert _normal_query(r1.uri, ignore_query) == _normal_query(r2.uri, ignore_query)

    def jsonrpc_params(r1: Any, r2: Any) -> None:
        assert _params(r1.body) == _params(r2.body)

    def odoo_call(r1: Any, r2: Any) -> None:
        assert _call_key(r1) == _call_key(r2)

    my.register_matcher("suitecrm_query", suitecrm_query)
    my.register_matcher("jsonrpc_params", jsonrpc_params)
    my.register_matcher("odoo_call", odoo_call)
    return my


MATCH = {
    "suitecrm": ("method", "scheme", "host", "port", "path", "suitecrm_query"),
    "strict": ("method", "scheme", "host", "port", "path", "jsonrpc_params"),
    "loose": ("method", "scheme", "host", "port", "path", "odoo_call"),
}


class Recordings:
    """The recorded exchanges of every CRM, and cassettes built from them."""

    def __init__(self, tmp_path: Path) -> None:
        self._tmp = tmp_path
        self._n = 0

    def exchange(self, crm: str, seq: int) -> dict[str, Any]:
        return exchanges(crm)[seq]

    def json(self, crm: str, seq: int) -> Any:
        """The parsed response body of one exchange."""
        return recorded_json(crm, seq)

    def request_json(self, crm: str, seq: int) -> Any:
        return json.loads(exchanges(crm)[seq]["request"]["body"])

    def cassette(self, crm: str, seqs: list[int], *, match: str = "suitecrm",
                 ignore_query: tuple[str, ...] = ()) -> AbstractContextManager[Any]:
        """``cassette("odoo17", [1, 3, 15], match="loose")``: a vcrpy cassette of those exchanges, in order."""
        book = exchanges(crm)
        interactions = [{"request": book[s]["request"], "response": book[s]["response"]} for s in seqs]
        self._n += 1
        path = self._tmp / f"{crm}-{self._n}.yaml"
        path.write_text(yaml.safe_dump({"version": 1, "interactions": interactions}, allow_unicode=False), encoding="utf-8")
        return make_vcr(frozenset(ignore_query)).use_cassette(str(path), match_on=MATCH[match], allow_playback_repeats=False)


@pytest.fixture
def rec(tmp_path: Path) -> Recordings:
    return Recordings(tmp_path)


@pytest.fixture
def fixture_cassette(tmp_path: Path) -> Callable[..., AbstractContextManager[Any]]:
    """A cassette made from a fixture of ``../shared/reference/fixtures`` (request/response wrappers).

    Used for Odoo 19's JSON-2 API, which no recording covers: the documented 200 and 401 bodies
    are replayed at ``base_url`` for the named request path.
    """

    def build(files: list[tuple[str, str]], base_url: str = "http://odoo19.invalid") -> AbstractContextManager[Any]:
        interactions = []
        for name, path in files:
            data = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
            response = data["response"]
            body = json.dumps(response["body"]) if "body" in response else response["body_raw"]
            interactions.append({
                "request": {"method": "POST", "uri": base_url + path, "body": None, "headers": {}},
                "response": {
                    "status": {"code": response["status"], "message": response.get("reason", "OK")},
                    "headers": {k: [v] for k, v in (response.get("headers") or {}).items()},
                    "body": {"string": body},
                },
            })
        cassette = tmp_path / "fixtures.yaml"
        cassette.write_text(yaml.safe_dump({"version": 1, "interactions": interactions}), encoding="utf-8")
        return make_vcr().use_cassette(str(cassette), match_on=("method", "path"), allow_playback_repeats=False)

    return build


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every request the connector's ``requests`` sessions put on the wire, in order."""
    import requests

    seen: list[Any] = []
    original = requests.Session.send

    def spy(self: requests.Session, request: requests.PreparedRequest, **kwargs: Any) -> Any:
        seen.append(request)
        return original(self, request, **kwargs)

    monkeypatch.setattr(requests.Session, "send", spy)
    return seen


# ---- loopback fakes seeded with recorded records --------------------------------------------

START = datetime(2026, 11, 22, 22, 0, tzinfo=UTC)


class FakeCrmFactory:
    """Loopback SuiteCRM / Odoo servers whose records are copies of recorded ones (new ids, shifted times)."""

    def __init__(self) -> None:
        self.clock = FakeClock(START)

    def suitecrm(self, records: int) -> tuple[FakeSuiteCrm, list[dict[str, Any]]]:
        meta = recorded_json("suitecrm714", 19)["data"]["attributes"]
        templates = [r["attributes"] for seq in (28, 29, 30, 31) for r in recorded_json("suitecrm714", seq)["data"]]
        crm = FakeSuiteCrm(self.clock, meta_fields=meta)
        for n in range(records):
            attributes = {k: v for k, v in templates[n % len(templates)].items() if k != "date_modified"}
            attributes["name"] = f"{attributes['name']} #{n}"
            crm.add(attributes, modified=self.clock.advance(timedelta(seconds=13)))
        return crm, templates

    def odoo(self, records: int, version: int = 17) -> FakeOdoo:
        types = {name: info["type"] for name, info in recorded_json("odoo17", 8)["result"].items()}
        templates = [r for seq in (15, 16, 17) for r in recorded_json("odoo17", seq)["result"]]
        crm = FakeOdoo(self.clock, field_types=types, version=(version, f"{version}.0"))
        for n in range(records):
            values = {k: v for k, v in templates[n % len(templates)].items() if k not in ("id", "write_date")}
            values["name"] = f"{values['name']} #{n}"
            values["parent_id"] = False  # the copies are customers; a template's parent id would dangle
            crm.add(values, modified=self.clock.advance(timedelta(milliseconds=400)))
        return crm


@pytest.fixture
def fakes() -> FakeCrmFactory:
    return FakeCrmFactory()


def suitecrm_source(url: str, *, page_size: int = 10, waits: list[float] | None = None, **http: Any) -> SuiteCrmSource:
    """The SuiteCRM adapter with its default Accounts mapping, pointed at a loopback fake."""
    http.setdefault("sleep", waits.append if waits is not None else (lambda s: None))
    client = HttpClient(url, seed=7, **http)
    spec = parse_stream("accounts", SUITECRM_STREAMS["accounts"], where="test")
    return SuiteCrmSource("suitecrm", SuiteCrmClient(url, client_id="client", client_secret="secret", http=client),
                          [spec], page_size=page_size, writeback_fields=frozenset(SUITECRM_WRITEBACK["fields"].values()))


def odoo_source(url: str, *, page_size: int = 10, waits: list[float] | None = None, **http: Any) -> OdooSource:
    http.setdefault("sleep", waits.append if waits is not None else (lambda s: None))
    client = HttpClient(url, seed=7, **http)
    transport = connect(client, database="crm", login="admin", password="admin")
    spec = parse_stream("partners", odoo_streams(transport.version)["partners"], where="test")
    return OdooSource("odoo", transport, [spec], page_size=page_size,
                      writeback_fields=frozenset(ODOO_WRITEBACK["fields"].values()))


@pytest.fixture
def make_source() -> Callable[..., Any]:
    """``make_source("suitecrm", url, page_size=10, waits=[])``: an adapter against a loopback fake."""
    return lambda kind, url, **kw: (suitecrm_source if kind == "suitecrm" else odoo_source)(url, **kw)

