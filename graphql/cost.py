"""The query cost rule (GitHub's and Shopify's model): what a document may ask for, and how often.

A document is costed after it is parsed and validated and before anything runs, on the operation
being executed, with its variables coerced, its fragments expanded and @skip/@include applied:

- each field that returns an object costs 1 (times the page sizes of the connections it is in);
  leaf fields (scalars, enums) cost 0;
- a connection field (one that takes `first`/`last`) multiplies the cost of its selection by its
  page size (at most 100); a list field sized by a list argument (`nodes(ids:)`) by that list's
  length; other lists count as one;
- `requestedNodes` is the sum, over those fields, of how many nodes they may return (100 schools ×
  10 stations each is 100 + 1,000) — GitHub's node limit, refused over `max_nodes`;
- `cost` is the object-field total / 100, rounded up, at least 1 — GitHub's points, taken from a
  leaky bucket per (client or subject, tenant).

Fragments on different types of an interface are all counted (an upper bound): costing happens
before anything is known about which type a node will turn out to be.
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

from graphql.execution import ExecutionResult as GraphQLExecutionResult
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from strawberry.extensions import SchemaExtension

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLIncludeDirective,
    GraphQLList,
    GraphQLNamedType,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
    is_composite_type,
    is_list_type,
)
from runxin.platform.errors import RunxinError
from runxin.platform.sharedstate import MemoryState, SharedState, SharedStateUnavailable

log = logging.getLogger("runxin.api.cost")

PAGE_ARGUMENTS = ("first", "last")
MAX_PAGE = 100
POINTS_PER_UNIT = 100
HEAVIEST_SHOWN = 3


@dataclass(frozen=True, slots=True)
class Cost:
    """What a document asks for: nodes it may return, and object fields it may resolve."""

    requested_nodes: int
    units: int
    heaviest: tuple[tuple[str, int], ...] = ()

    @property
    def points(self) -> int:
        return max(1, math.ceil(self.units / POINTS_PER_UNIT))


FREE = Cost(requested_nodes=0, units=0)


class _Walk:
    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode], variables: VariableValues) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.nodes = 0
        self.units = 0
        self.by_path: dict[str, int] = {}

    def included(self, node: FieldNode | FragmentSpreadNode | InlineFragmentNode) -> bool:
        if not node.directives:
            return True
        for directive in node.directives:
            name = directive.name.value
            if name == "skip" and get_argument_values(GraphQLSkipDirective, directive, self.variables)["if"]:
                return False
            if name == "include" and not get_argument_values(GraphQLIncludeDirective, directive, self.variables)["if"]:
                return False
        return True

    def fields(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType, visited: set[str] | None = None
    ) -> Iterator[tuple[FieldNode, Any]]:
        """Every included field of `selection_set`, fragments expanded, with its parent type.

        A fragment spread twice into one selection set is collected once, as graphql-core executes it.
        """
        visited = set() if visited is None else visited
        for selection in selection_set.selections:
            if not self.included(selection):  # type: ignore[arg-type]
                continue
            if isinstance(selection, FieldNode):
                yield selection, parent
            elif isinstance(selection, InlineFragmentNode):
                on = self.schema.get_type(selection.type_condition.name.value) if selection.type_condition else parent
                yield from self.fields(selection.selection_set, on or parent, visited)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None and fragment.name.value not in visited:  # validated: exists, no cycle
                    visited.add(fragment.name.value)
                    on = self.schema.get_type(fragment.type_condition.name.value)
                    yield from self.fields(fragment.selection_set, on or parent, visited)

    def walk(self, selection_set: SelectionSetNode, parent: GraphQLNamedType, times: int, path: str) -> None:
        for node, owner in self.fields(selection_set, parent):
            name = node.name.value
            if name.startswith("__"):
                # __typename is a leaf; __schema/__type (development only) count as one object.
                self.units += 0 if name == "__typename" else times
                continue
            definition = getattr(owner, "fields", {}).get(name)
            if definition is None or not is_composite_type(get_named_type(definition.type)):
                continue  # leaves cost nothing
            self.units += times
            key = f"{path}.{node.alias.value if node.alias else name}" if path else (node.alias.value if node.alias else name)
            size = self.size(definition, node)
            if size is not None:
                returned = times * size
                self.nodes += returned
                self.by_path[key] = self.by_path.get(key, 0) + returned
                inner = returned
            else:
                inner = times
            if node.selection_set is not None and inner:
                self.walk(node.selection_set, get_named_type(definition.type), inner, key)

    def size(self, definition: Any, node: FieldNode) -> int | None:
        """How many nodes the field may return: a page size, a list argument's length, or None (one)."""
        paged = any(name in definition.args for name in PAGE_ARGUMENTS)
        sized_by_list = is_list_type(get_nullable_type(definition.type)) and any(
            isinstance(get_nullable_type(arg.type), GraphQLList) for arg in definition.args.values()
        )
        if not (paged or sized_by_list):
            return None
        try:
            arguments = get_argument_values(definition, node, self.variables)
        except GraphQLError:
            return 0  # the field will fail on its arguments: nothing under it runs
        if paged:
            sizes = [arguments.get(name) for name in PAGE_ARGUMENTS]
            return max(0, min(MAX_PAGE, max((s for s in sizes if isinstance(s, int)), default=0)))
        lists = [value for value in arguments.values() if isinstance(value, list)]
        return max((len(value) for value in lists), default=1)


def measure(schema: GraphQLSchema, document: DocumentNode, variables: dict[str, Any] | None, operation_name: str | None) -> Cost:
    """The cost of the operation of `document` that would run (a valid document), with `variables`.

    Variables that do not coerce make the operation fail before anything runs: such a document is free.
    """
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [d for d in operations if d.name is not None and d.name.value == operation_name]
    if len(operations) != 1:
        return FREE  # graphql-core refuses it before executing anything
    operation = operations[0]
    coerced = get_variable_values(schema, operation.variable_definitions or (), variables or {})
    if isinstance(coerced, list):
        return FREE
    root = schema.get_root_type(operation.operation)
    if root is None:
        return FREE
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    walk = _Walk(schema, fragments, coerced)
    walk.walk(operation.selection_set, root, 1, "")
    heaviest = sorted(walk.by_path.items(), key=lambda item: (-item[1], item[0]))[:HEAVIEST_SHOWN]
    return Cost(requested_nodes=walk.nodes, units=walk.units, heaviest=tuple(heaviest))


@dataclass(frozen=True, slots=True)
class Take:
    allowed: bool
    remaining: int
    retry_after: float  # seconds until the bucket has room for the points asked (0 when allowed)


class LeakyBuckets:
    """One leaky bucket per key, kept in a shared-state store (runxin.platform.sharedstate).

    In memory (the default) each process keeps its own buckets; on Redis every process takes from
    the same bucket, atomically, so N processes allow exactly one budget.
    """

    def __init__(
        self, capacity: float, per_second: float, clock: Callable[[], float] = time.monotonic, state: SharedState | None = None
    ) -> None:
        self.capacity = capacity
        self.per_second = per_second
        self.state = state if state is not None else MemoryState(clock)

    async def take(self, key: Any, points: float) -> Take:
        """Add `points` to `key`'s bucket if they fit; otherwise leave it and say when they will."""
        level = await self.state.take(_store_key(key), points, self.capacity, self.per_second)
        return Take(allowed=level.allowed, remaining=int(self.capacity - level.level), retry_after=level.retry_after)

    async def remaining(self, key: Any) -> int:
        return int(self.capacity - await self.state.level(_store_key(key), self.per_second))


def _store_key(key: Any) -> str:
    return key if isinstance(key, str) else ":".join(str(part) for part in key)


class CostRefused(RunxinError):
    """A document refused before it ran: too many nodes, or over the caller's budget."""

    def __init__(self, code: str, message: str, extensions: dict[str, Any]) -> None:
        super().__init__(message, code=code)
        self.extensions = extensions


@dataclass(slots=True)
class CostOutcome:
    """What a request cost and what is left; on the Context so the endpoint can answer 429."""

    requested_nodes: int
    cost: int
    remaining: int | None
    capacity: int
    per_second: float
    refused: str | None = None
    retry_after: float = 0.0

    @property
    def retry_after_seconds(self) -> int:
        return max(1, math.ceil(self.retry_after)) if self.refused == "RATE_LIMITED" else 0

    def report(self) -> dict[str, Any]:
        return {
            "requestedNodes": self.requested_nodes,
            "cost": self.cost,
            "remaining": self.remaining,
            "bucketCapacity": self.capacity,
            "leakPerSecond": self.per_second,
        }


# After a shared-store failure, requests skip the store this long (and are let through) rather
# than each waiting for its timeout.
STORE_RETRY_SECONDS = 1.0


@dataclass
class CostLimiter:
    """The node limit and the buckets.

    When the shared store fails the limiter fails open: the request runs uncharged and its
    `remaining` is null. The bucket shares capacity fairly; it is not what keeps data safe (the
    token, the scopes, the node limit and the timeouts still hold), and failing closed would turn a
    Redis outage into an outage of the whole API.
    """

    max_nodes: int
    buckets: LeakyBuckets
    _skip_store_until: float = 0.0

    @classmethod
    def from_settings(cls, settings: Any, clock: Callable[[], float] = time.monotonic, state: SharedState | None = None) -> CostLimiter:
        return cls(settings.max_nodes, LeakyBuckets(settings.cost_bucket, settings.cost_per_second, clock, state))

    async def admit(self, cost: Cost, principal: Any) -> CostOutcome:
        """Charge `cost` to the principal's bucket, or say why it is refused (nothing charged)."""
        buckets = self.buckets
        key = _bucket_key(principal)
        outcome = CostOutcome(
            requested_nodes=cost.requested_nodes,
            cost=cost.points,
            remaining=None,
            capacity=int(buckets.capacity),
            per_second=buckets.per_second,
        )
        if cost.requested_nodes > self.max_nodes:
            outcome.refused = "MAX_NODES_EXCEEDED"
        elif key is not None and cost.points > buckets.capacity:
            outcome.refused = "MAX_COST_EXCEEDED"
        if key is None or time.monotonic() < self._skip_store_until:
            return outcome
        try:
            if outcome.refused:
                outcome.remaining = await buckets.remaining(key)
                return outcome
            taken = await buckets.take(key, cost.points)
        except SharedStateUnavailable as exc:
            self._skip_store_until = time.monotonic() + STORE_RETRY_SECONDS
            log.error("cost buckets unavailable, letting requests through uncharged for %gs: %s", STORE_RETRY_SECONDS, exc)
            return outcome
        outcome.remaining = taken.remaining
        if not taken.allowed:
            outcome.refused, outcome.retry_after = "RATE_LIMITED", taken.retry_after
        return outcome

    def refusal(self, cost: Cost, outcome: CostOutcome) -> CostRefused:
        heaviest = ", ".join(f"{path} ({nodes:,})" for path, nodes in cost.heaviest)
        if outcome.refused == "MAX_NODES_EXCEEDED":
            return CostRefused(
                outcome.refused,
                f"This document may return {cost.requested_nodes:,} nodes, over the limit of {self.max_nodes:,}; "
                f"the largest are {heaviest}. Ask for smaller pages (first/last) and page with cursors.",
                {"requestedNodes": cost.requested_nodes, "maxNodes": self.max_nodes, "heaviest": dict(cost.heaviest)},
            )
        if outcome.refused == "MAX_COST_EXCEEDED":
            return CostRefused(
                outcome.refused,
                f"This document costs {cost.points:,} points, more than the whole budget of {outcome.capacity:,}; "
                f"the largest parts are {heaviest}. Split it into smaller documents.",
                {"cost": cost.points, "bucketCapacity": outcome.capacity},
            )
        return CostRefused(
            "RATE_LIMITED",
            f"This document costs {cost.points:,} points and {outcome.remaining:,} are left of {outcome.capacity:,} "
            f"(refilling {outcome.per_second:g} per second); retry in {outcome.retry_after_seconds} s or ask for less.",
            {"cost": cost.points, "remaining": outcome.remaining, "retryAfterSeconds": outcome.retry_after_seconds},
        )


def _bucket_key(principal: Any) -> tuple[str, uuid.UUID] | None:
    if principal is None:
        return None  # anonymous requests see nothing; they are still held to the node limit
    return (principal.client_id or principal.subject, principal.tenant_id)


class QueryCost(SchemaExtension):
    """Costs the operation between validation and execution; refuses it there; reports the cost."""

    def __init__(self, limiter: CostLimiter) -> None:
        self.limiter = limiter
        self.outcome: CostOutcome | None = None

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None
        cost = measure(context.schema._schema, context.graphql_document, context.variables, context.operation_name)
        self.outcome = await self.limiter.admit(cost, _principal_of(context.context))
        if context.context is not None and hasattr(context.context, "cost"):
            context.context.cost = self.outcome
            context.context.measured_cost = cost
        if self.outcome.refused:
            refused = self.limiter.refusal(cost, self.outcome)
            # A result set before execution means graphql-core never runs: no resolver, no SQL.
            context.result = GraphQLExecutionResult(
                data=None, errors=[GraphQLError(refused.message, original_error=refused, extensions=refused.extensions)]
            )
        yield

    async def get_results(self) -> dict[str, Any]:
        principal = _principal_of(self.execution_context.context)
        if self.outcome is None and principal is not None:
            # A document refused by parsing or validation never ran: it costs the minimum, if there is
            # room (its answer is its errors either way, so an empty bucket changes nothing).
            self.outcome = await self.limiter.admit(FREE, principal)
            self.outcome.refused = None
            context = self.execution_context.context
            if hasattr(context, "cost"):
                context.cost = self.outcome
        if self.outcome is None or principal is None:
            return {}
        return {"cost": self.outcome.report()}


def _principal_of(context: Any) -> Any:
    return getattr(context, "principal", None)
