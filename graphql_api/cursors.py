"""Keyset cursors: an opaque, versioned ``(ordering, run, sort value, id)`` position.

An offset cursor ("row 40") points at a different customer as soon as a scoring run reorders the
list, so pages skip or repeat rows. A keyset cursor names the last row seen by its sort key and id,
and the next page is "everything after that key" in the same total order. The cursor also carries
the scoring run the first page was served from, and later pages are served from that same run: runs
are never rewritten, so a walk through the pages sees one consistent ranking even when a new run
finishes halfway. The ordering's name is inside the cursor so a cursor made for one ordering cannot
be silently misread under another.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass

from graphql_api.errors import bad_user_input

__all__ = ["Cursor", "decode_cursor", "decode_id_cursor", "encode_cursor", "encode_id_cursor"]

_VERSION = 2

SortValue = float | str


@dataclass(frozen=True)
class Cursor:
    ordering: str
    value: SortValue
    pk: int
    run_id: int | None = None


def _b64(body: object) -> str:
    raw = json.dumps(body, separators=(",", ":"), allow_nan=False).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(value: str) -> object:
    try:
        return json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def encode_cursor(cursor: Cursor) -> str:
    return _b64({"v": _VERSION, "o": cursor.ordering, "r": cursor.run_id, "k": [cursor.value, cursor.pk]})


def decode_cursor(value: str, *, ordering: str, numeric: bool, where: str) -> Cursor:
    """The position in ``value``, checked against the ordering it is used with."""
    body = _unb64(value)
    if not isinstance(body, dict) or body.get("v") != _VERSION or not isinstance(body.get("k"), list):
        raise bad_user_input(where, f"{value!r} is not a cursor issued by this API")
    if body.get("o") != ordering:
        raise bad_user_input(where, f"the cursor was issued for ordering by {body.get('o')}, not by {ordering}")
    key, run = body["k"], body.get("r")
    ok = (
        len(key) == 2
        and type(key[1]) is int
        and (type(key[0]) in (int, float) and math.isfinite(key[0]) if numeric else type(key[0]) is str)
        and (run is None or type(run) is int)
    )
    if not ok:
        raise bad_user_input(where, f"{value!r} is not a cursor issued by this API")
    sort_value: SortValue = float(key[0]) if numeric else key[0]
    return Cursor(ordering=ordering, value=sort_value, pk=key[1], run_id=run)


def encode_id_cursor(kind: str, pk: int) -> str:
    """A cursor of a newest-first list ordered by id alone (alerts, runs, jobs)."""
    return _b64({"v": _VERSION, "o": kind, "k": [pk]})


def decode_id_cursor(value: str, *, kind: str, where: str) -> int:
    body = _unb64(value)
    if (
        not isinstance(body, dict)
        or body.get("v") != _VERSION
        or body.get("o") != kind
        or not isinstance(body.get("k"), list)
        or len(body["k"]) != 1
        or type(body["k"][0]) is not int
    ):
        raise bad_user_input(where, f"{value!r} is not a cursor of this list")
    return int(body["k"][0])
