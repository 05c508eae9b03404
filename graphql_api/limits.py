"""Limits on what one document may ask for, checked before anything runs.

* tokens (strawberry's ``MaxTokensLimiter``, enforced by the parser);
* depth, aliases and **nodes** — GitHub's rule: every field with a ``first``/``last`` argument multiplies
  the objects it can return by that value (a variable counts as the maximum, 100; a missing one as
  the argument's default), nested fields multiply, siblings add. ``customers(first: 100) { nodes {
  alerts(first: 100) } }`` may return 100 + 100 × 100 = 10,100 objects.

Depth, aliases and nodes are counted in one walk that expands each fragment once (memoised), so a
"fragment bomb" — fragments that each spread the next one twice — costs linear time to reject. (We
do not use strawberry's ``QueryDepthLimiter``: it re-walks every spread, and 40 doubling fragments
keep it busy for hours.) Every refusal carries its :class:`ErrorCode`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
    get_named_type,
)
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ValidationCache,
)
from strawberry.extensions.base_extension import SchemaExtension

from graphql_api.document_cache import DocumentCache, ParsedDocuments
from graphql_api.errors import ErrorCode

__all__ = [
    "MAX_ALIASES",
    "MAX_DEPTH",
    "MAX_NODES",
    "MAX_PAGE_SIZE",
    "MAX_TOKENS",
    "CostRule",
    "NoIntrospectionRule",
    "guard_extensions",
]

MAX_DEPTH = 10
MAX_ALIASES = 30
MAX_TOKENS = 5000
MAX_NODES = 50_000
MAX_PAGE_SIZE = 100
_CACHED_DOCUMENTS = 256
_PAGE_ARGUMENTS = ("first", "last")


def _error(message: str, code: ErrorCode, nodes: Any = None) -> GraphQLError:
    return GraphQLError(message, nodes, extensions={"code": code.value})


@dataclass
class _Cost:
    aliases: int = 0
    nodes: int = 0
    depth: int = 0


class CostRule(ValidationRule):
    """Counts aliases and the worst-case number of returned objects of the whole document."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        document = context.document
        self._fragments: Mapping[str, FragmentDefinitionNode] = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self._memo: dict[tuple[str, str], _Cost] = {}
        total = _Cost()
        for definition in document.definitions:
            if not isinstance(definition, OperationDefinitionNode):
                continue
            root = context.schema.get_root_type(definition.operation)
            cost = self._selections(definition.selection_set, root, frozenset())
            total.aliases += cost.aliases
            total.nodes += cost.nodes
            total.depth = max(total.depth, cost.depth)
        if total.depth > MAX_DEPTH:
            context.report_error(
                _error(f"the document nests {total.depth} levels deep; at most {MAX_DEPTH} are allowed", ErrorCode.QUERY_TOO_DEEP)
            )
        if total.aliases > MAX_ALIASES:
            context.report_error(
                _error(f"{total.aliases} aliases found; at most {MAX_ALIASES} are allowed", ErrorCode.TOO_MANY_ALIASES)
            )
        if total.nodes > MAX_NODES:
            context.report_error(
                _error(
                    f"the document could return {total.nodes:,} objects (the product of nested first/last "
                    f"values); at most {MAX_NODES:,} are allowed",
                    ErrorCode.TOO_MANY_NODES,
                )
            )

    def _selections(
        self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType | None, visiting: frozenset[str]
    ) -> _Cost:
        cost = _Cost()
        if selection_set is None:
            return cost
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.alias is not None:
                    cost.aliases += 1
                field_type, size, counted = self._field(selection, parent)
                inner = self._selections(selection.selection_set, field_type, visiting)
                cost.aliases += inner.aliases
                cost.nodes += (size if counted else 0) + size * inner.nodes
                cost.depth = max(cost.depth, 1 + inner.depth)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.context.schema.get_type(condition.name.value) if condition else parent
                inner = self._selections(selection.selection_set, target, visiting)
                cost.aliases += inner.aliases
                cost.nodes += inner.nodes
                cost.depth = max(cost.depth, inner.depth)
            elif isinstance(selection, FragmentSpreadNode):
                inner = self._spread(selection.name.value, visiting)
                cost.aliases += inner.aliases
                cost.nodes += inner.nodes
                cost.depth = max(cost.depth, inner.depth)
            cost.nodes = min(cost.nodes, MAX_NODES * 1000)  # enough to refuse; keeps numbers small
            cost.aliases = min(cost.aliases, MAX_ALIASES * 1000)
        return cost

    def _spread(self, name: str, visiting: frozenset[str]) -> _Cost:
        fragment = self._fragments.get(name)
        if fragment is None or name in visiting:  # unknown or cyclic: other rules report those
            return _Cost()
        key = (name, "")
        if key not in self._memo:
            target = self.context.schema.get_type(fragment.type_condition.name.value)
            self._memo[key] = self._selections(fragment.selection_set, target, visiting | {name})
        return self._memo[key]

    def _field(self, node: FieldNode, parent: GraphQLNamedType | None) -> tuple[GraphQLNamedType | None, int, bool]:
        """The field's named type, how many objects it may return per parent, and whether it pages."""
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return None, 1, False
        definition = parent.fields.get(node.name.value)
        if definition is None:
            return None, 1, False
        named = get_named_type(definition.type)
        for arg_name in _PAGE_ARGUMENTS:
            if arg_name not in definition.args:
                continue
            given = next((a for a in node.arguments or () if a.name.value == arg_name), None)
            if given is None:
                default = definition.args[arg_name].default_value
                size = default if isinstance(default, int) else MAX_PAGE_SIZE
            elif isinstance(given.value, IntValueNode):
                size = int(given.value.value)
            elif isinstance(given.value, VariableNode):
                size = MAX_PAGE_SIZE
            else:
                size = MAX_PAGE_SIZE
            return named, max(size, 0), True
        return named, 1, False


class NoIntrospectionRule(NoSchemaIntrospectionCustomRule):
    """graphql-core's rule, with our code on its errors. ``__typename`` stays allowed."""

    def report_error(self, error: GraphQLError) -> None:
        error.extensions = {"code": ErrorCode.INTROSPECTION_DISABLED.value}
        super().report_error(error)


def guard_extensions(*, introspection: bool) -> list[type[SchemaExtension] | Any]:
    """The limiter extensions, as factories (strawberry wants a fresh instance per request)."""
    rules: list[type[ValidationRule]] = [CostRule]
    if not introspection:
        rules.append(NoIntrospectionRule)
    documents = ParsedDocuments(_CACHED_DOCUMENTS)  # one per schema: the rules differ between schemas
    return [
        lambda: AddValidationRules(list(rules)),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        # Parsing a page query costs about as much as running it; repeated texts are parsed once.
        lambda: DocumentCache(documents),
        # Validating costs more than executing a page of 20; it depends only on the document (and
        # these fixed rules), so repeated queries — a dashboard's — skip it. A bounded LRU.
        lambda: ValidationCache(maxsize=_CACHED_DOCUMENTS),
    ]
