"""Opaque global ids: ``base64("<Type>:v1:<primary key>")``.

Clients must treat ids as opaque strings. Versioning the encoding from the first release lets us
change it later (GitHub had to migrate every id it had handed out because it did not).
"""

from __future__ import annotations

import base64
import binascii

from graphql_api.errors import bad_user_input

__all__ = ["decode_id", "encode_id"]

_VERSION = "v1"


def encode_id(type_name: str, pk: int) -> str:
    raw = f"{type_name}:{_VERSION}:{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_id(type_name: str, value: str, *, where: str) -> int:
    """The primary key inside ``value``; a clear BAD_USER_INPUT error if it is not a ``type_name`` id."""
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    prefix = f"{type_name}:{_VERSION}:"
    pk = raw[len(prefix) :]
    if not raw.startswith(prefix) or not pk.isdigit() or not pk.isascii():
        raise bad_user_input(where, f"{value!r} is not a {type_name} id issued by this API")
    return int(pk)
