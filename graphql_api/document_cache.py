"""Parsed documents, remembered across requests, so a dashboard's repeated query is parsed once.

Parsing a customers-page query costs about as much CPU as executing it. The parsed document
depends only on the query text (and the token limit, which is fixed), and graphql-core never
mutates it, so one parse can serve every later request with the same text.

Not strawberry's ``ParserCache``: that extension parses inside its own hook, so a syntax error or a
token-limit refusal escapes strawberry's error handling (and our error codes). This one only reads
from and fills the cache around strawberry's own parse: a miss is parsed, refused and reported
exactly as without it, and only documents that parsed are remembered.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator

from graphql import DocumentNode
from strawberry.extensions.base_extension import SchemaExtension

__all__ = ["DocumentCache", "ParsedDocuments"]


class ParsedDocuments:
    """A bounded, thread-safe LRU of query text → parsed document."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._lock = threading.Lock()
        self._documents: OrderedDict[str, DocumentNode] = OrderedDict()

    def get(self, query: str) -> DocumentNode | None:
        with self._lock:
            document = self._documents.get(query)
            if document is not None:
                self._documents.move_to_end(query)
            return document

    def put(self, query: str, document: DocumentNode) -> None:
        with self._lock:
            self._documents[query] = document
            self._documents.move_to_end(query)
            while len(self._documents) > self.maxsize:
                self._documents.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._documents)


class DocumentCache(SchemaExtension):
    """Serves a remembered parse before strawberry parses; remembers a successful parse after."""

    def __init__(self, documents: ParsedDocuments) -> None:
        super().__init__()
        self.documents = documents

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        query = context.query
        hit = self.documents.get(query) if query and context.graphql_document is None else None
        if hit is not None:
            context.graphql_document = hit  # strawberry skips its parse when a document is set
        yield
        if hit is None and query and context.graphql_document is not None and not context.pre_execution_errors:
            self.documents.put(query, context.graphql_document)
