"""The schema's guards: alias and token limits reject abusive documents before execution."""

from __future__ import annotations

from typing import Any

from graphql_api.schema import MAX_ALIASES, MAX_TOKENS


def test_more_aliases_than_the_limit_are_rejected(api: Any) -> None:
    def aliased(count: int) -> str:
        return "{ " + " ".join(f"a{i}: customers {{ totalCount }}" for i in range(count)) + " }"

    assert "errors" not in api(aliased(MAX_ALIASES))
    [error] = api(aliased(MAX_ALIASES + 1))["errors"]
    assert "aliases" in error["message"].lower()


def test_a_document_with_too_many_tokens_is_rejected(api: Any) -> None:
    fields = " ".join(["totalCount"] * MAX_TOKENS)
    body = api("{ customers { " + fields + " } }")
    [error] = body["errors"]
    assert "token" in error["message"].lower()
    assert body["data"] is None
