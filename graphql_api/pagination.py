"""Relay connection shapes shared by every list: ``edges``, ``nodes``, ``pageInfo``, ``totalCount``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Generic, TypeVar

import strawberry

from graphql_api.errors import bad_user_input
from graphql_api.limits import MAX_PAGE_SIZE

__all__ = ["DEFAULT_PAGE_SIZE", "Connection", "Edge", "PageInfo", "PageSize", "page_size"]

T = TypeVar("T")
DEFAULT_PAGE_SIZE = 20

PageSize = Annotated[int | None, strawberry.argument(description=f"Page size, 1..{MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE}).")]


def page_size(first: int | None, where: str) -> int:
    size = DEFAULT_PAGE_SIZE if first is None else first
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise bad_user_input(f"{where}(first:)", f"must be between 1 and {MAX_PAGE_SIZE}, got {size}")
    return size


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool = strawberry.field(
        description="True when the page was asked for with `after` (forward pagination only)."
    )
    start_cursor: str | None
    end_cursor: str | None

    @classmethod
    def of(cls, cursors: list[str], *, more: bool, after: str | None) -> PageInfo:
        return cls(
            has_next_page=more,
            has_previous_page=after is not None,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        )


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type(description="A page of a newest-first list.")
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    counter: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="The page's objects, without cursors.")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]

    @strawberry.field(description="How many objects match, across all pages.")
    async def total_count(self) -> int:
        return await self.counter()
