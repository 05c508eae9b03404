"""Global ids are opaque, versioned and typed."""

from __future__ import annotations

import base64

import pytest
from graphql import GraphQLError

from graphql_api.ids import decode_id, encode_id


def test_an_id_round_trips_and_carries_its_type_and_version() -> None:
    token = encode_id("Customer", 42)
    assert decode_id("Customer", token, where="w") == 42
    assert base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)) == b"Customer:v1:42"


@pytest.mark.parametrize(
    "token",
    [
        encode_id("ScoringRun", 42),
        base64.urlsafe_b64encode(b"Customer:v2:42").decode(),
        base64.urlsafe_b64encode(b"Customer:v1:-4").decode(),
        base64.urlsafe_b64encode(b"Customer:v1:").decode(),
        base64.urlsafe_b64encode("Customer:v1:٤٢".encode()).decode(),
        "42",
        "",
    ],
)
def test_an_id_of_another_type_version_or_shape_is_refused(token: str) -> None:
    with pytest.raises(GraphQLError) as err:
        decode_id("Customer", token, where="customer(id:)")
    assert err.value.message == f"customer(id:): {token!r} is not a Customer id issued by this API"
    assert err.value.extensions == {"code": "BAD_USER_INPUT"}
