"""Deliberate errors reach clients with a code; unexpected ones are masked but logged."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from graphql import GraphQLError
from sqlalchemy import Engine, text

from graphql_api.errors import ApiError, bad_user_input, should_mask_error


def test_an_unexpected_failure_is_masked_for_the_client_and_logged_for_the_operator(
    fresh_api: Any, engine: Engine, seed: Any, caplog: pytest.LogCaptureFixture
) -> None:
    pks = seed.customers([{"external_id": "a", "name": "A"}])
    seed.run(seed.config(), {pks["a"]: {"health_score": 50.0}})
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE indicator_values"))
    with caplog.at_level(logging.ERROR, logger="strawberry.execution"):
        response = fresh_api.post("{ customers { nodes { indicators { key } } } }")
    body = response.json()
    [error] = body["errors"]
    assert error["message"] == "Unexpected error."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert "indicator_values" not in response.text
    assert any("indicator_values" in r.getMessage() for r in caplog.records)


def test_a_deliberate_error_keeps_its_message_and_code_and_is_not_logged(
    api: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="strawberry.execution"):
        body = api("{ customers(first: 0) { totalCount } }")
    [error] = body["errors"]
    assert error["message"] == "customers(first:): must be between 1 and 100, got 0"
    assert error["extensions"] == {"code": "BAD_USER_INPUT"}
    assert caplog.records == []


def test_errors_in_the_clients_document_are_shown_as_they_are_with_a_code(api: Any) -> None:
    body = api("{ customers { nosuchfield } }")
    [error] = body["errors"]
    assert "nosuchfield" in error["message"]
    assert error["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED"}
    [error] = api("{ customers { ")["errors"]
    assert error["message"].startswith("Syntax Error")
    assert error["extensions"] == {"code": "GRAPHQL_PARSE_FAILED"}
    [error] = api("query($n: Int!) { customers(first: $n) { totalCount } }", {"n": "ten"})["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT"}


def test_the_masking_rule_hides_only_exceptions_that_are_not_graphql_errors() -> None:
    assert should_mask_error(GraphQLError("boom", original_error=RuntimeError("secret")))
    assert not should_mask_error(GraphQLError("x", original_error=bad_user_input("f(a:)", "bad")))
    assert not should_mask_error(GraphQLError("Cannot query field 'x'"))


def test_bad_user_input_names_where_and_what() -> None:
    error = bad_user_input("customers(first:)", "must be positive")
    assert isinstance(error, ApiError)
    assert error.message == "customers(first:): must be positive"
    assert error.extensions == {"code": "BAD_USER_INPUT"}
