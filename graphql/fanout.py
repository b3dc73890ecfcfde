"""A limit on how many field selections a document expands to once its fragments are spread.

Thirty fragments that each spread the next one twice are 90 tokens and 2^30 selections. Rules
that walk the document fragment by fragment without memory (Strawberry's depth and alias
limiters among them) take exponential time on it; this check counts with memory, in time linear
in the document, right after parsing, and refuses the document before any of them runs.
"""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

# A 4,000-token document written out in full has fewer than 4,000 fields; reuse through fragments
# rarely multiplies that by more than a few.
MAX_EXPANDED_SELECTIONS = 10_000


def expanded_selections(document: DocumentNode) -> int:
    """How many field selections the document's operations hold with every fragment spread in place."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    sizes: dict[str, int] = {}

    def size(selection_set: SelectionSetNode | None, open_: frozenset[str]) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += 1 + size(selection.selection_set, open_)
            elif isinstance(selection, InlineFragmentNode):
                total += size(selection.selection_set, open_)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in open_ or name not in fragments:
                    continue  # a cycle or an unknown fragment: validation reports it
                if name not in sizes:
                    sizes[name] = size(fragments[name].selection_set, open_ | {name})
                total += sizes[name]
        return total

    return sum(size(d.selection_set, frozenset()) for d in document.definitions if isinstance(d, OperationDefinitionNode))


class FragmentFanOutLimiter(SchemaExtension):
    def __init__(self, max_selections: int = MAX_EXPANDED_SELECTIONS) -> None:
        self.max_selections = max_selections

    def on_parse(self) -> Iterator[None]:
        yield
        document = self.execution_context.graphql_document
        if document is not None and (count := expanded_selections(document)) > self.max_selections:
            # Raised after parsing, this becomes the response's only error; validation never runs.
            raise GraphQLError(
                f"This document expands to {count:,} field selections once its fragments are spread "
                f"(at most {self.max_selections:,}); spread each fragment once, or write the fields out."
            )
