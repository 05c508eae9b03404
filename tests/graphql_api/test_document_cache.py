"""Parsed documents are remembered across requests; refusals are never remembered."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import strawberry
import strawberry.schema.schema as strawberry_schema
from strawberry.extensions import MaxTokensLimiter

from graphql_api.document_cache import DocumentCache, ParsedDocuments


@strawberry.type
class Query:
    @strawberry.field
    def hello(self, name: str = "world") -> str:
        return f"hello {name}"


def make_schema(documents: ParsedDocuments, max_tokens: int = 100) -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        extensions=[lambda: MaxTokensLimiter(max_token_count=max_tokens), lambda: DocumentCache(documents)],
    )


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The query texts strawberry actually parsed."""
    seen: list[str] = []
    real: Callable[..., Any] = strawberry_schema.parse

    def counting(source: Any, **options: Any) -> Any:
        seen.append(str(source))
        return real(source, **options)

    monkeypatch.setattr(strawberry_schema, "parse", counting)
    return seen


def test_a_repeated_query_is_parsed_once_and_answers_the_same(parses: list[str]) -> None:
    documents = ParsedDocuments(8)
    schema = make_schema(documents)
    answers = [schema.execute_sync('{ hello(name: "ann") }').data for _ in range(3)]
    assert answers == [{"hello": "hello ann"}] * 3
    assert parses == ['{ hello(name: "ann") }']
    assert len(documents) == 1


def test_variables_do_not_split_the_cache(parses: list[str]) -> None:
    schema = make_schema(ParsedDocuments(8))
    query = "query Q($n: String!) { hello(name: $n) }"
    assert [schema.execute_sync(query, variable_values={"n": n}).data for n in ("a", "b")] == [
        {"hello": "hello a"},
        {"hello": "hello b"},
    ]
    assert parses == [query]


def test_a_syntax_error_is_reported_every_time_and_never_remembered(parses: list[str]) -> None:
    documents = ParsedDocuments(8)
    cached, plain = make_schema(documents), strawberry.Schema(query=Query)
    for _ in range(2):
        [error] = cached.execute_sync("{ hello(").errors or []
        [expected] = plain.execute_sync("{ hello(").errors or []
        assert error.message == expected.message and "Syntax Error" in error.message
    assert len(documents) == 0 and parses.count("{ hello(") == 4


def test_a_document_over_the_token_limit_is_refused_every_time(parses: list[str]) -> None:
    documents = ParsedDocuments(8)
    schema = make_schema(documents, max_tokens=5)
    for _ in range(2):
        [error] = schema.execute_sync('{ a: hello b: hello c: hello(name: "x") }').errors or []
        assert "token" in error.message.lower()
    assert len(documents) == 0


def test_the_cache_keeps_only_the_most_recently_used_texts() -> None:
    documents = ParsedDocuments(2)
    schema = make_schema(documents)
    for name in ("a", "b", "a", "c"):  # "a" is used again before "c" arrives, so "b" goes
        schema.execute_sync(f'{{ hello(name: "{name}") }}')
    assert len(documents) == 2
    assert documents.get('{ hello(name: "a") }') is not None and documents.get('{ hello(name: "b") }') is None
