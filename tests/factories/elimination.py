"""Which hidden cells of a tree of sums the published cells determine, by exact elimination.

Independent of platform/suppression.py's peeling: the sums "a cell = the sum of its children" with
the published cells moved to the right-hand side, reduced over the rationals; a hidden cell is
determined exactly when its unit vector lies in the row space of the system restricted to the
hidden cells. The suppression tests and the isolation suite's oracle both check patterns with it.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from fractions import Fraction


def determined(
    parent_of: Mapping[Hashable, Hashable | None], hidden: Iterable[Hashable], *, fixed: Iterable[Hashable] = ()
) -> set[Hashable]:
    """The hidden cells whose value the published cells fix, by rank over the rationals.

    `fixed`: cells known to add 0 (not reported); a sum they make false (a fixed total over a term
    that is not fixed, or the other way round: figures of different times) holds nothing and is left out.
    """
    pinned = set(fixed)
    cells = sorted(set(hidden), key=str)
    column = {cell: i for i, cell in enumerate(cells)}
    rows: list[list[Fraction]] = []
    parents = {p for p in parent_of.values() if p is not None}
    for total in parents:
        row = [Fraction(0)] * len(cells)
        terms = [cell for cell, parent in parent_of.items() if parent == total]
        if (total in pinned) != all(term in pinned for term in terms):
            continue
        for cell, sign in [(total, 1), *((term, -1) for term in terms)]:
            if cell in column:
                row[column[cell]] += sign
        if any(row):
            rows.append(row)
    basis = _reduced(rows, len(cells))
    return {cell for cell in cells if _in_span(basis, column[cell], len(cells))}


def _reduced(rows: list[list[Fraction]], width: int) -> list[tuple[int, list[Fraction]]]:
    """Reduced row echelon form: (pivot column, row) pairs."""
    basis: list[tuple[int, list[Fraction]]] = []
    for row in rows:
        row = list(row)
        for pivot, b in basis:
            if row[pivot]:
                factor = row[pivot]
                row = [x - factor * y for x, y in zip(row, b, strict=True)]
        lead = next((i for i, x in enumerate(row) if x), None)
        if lead is None:
            continue
        row = [x / row[lead] for x in row]
        basis = [(p, [x - b[lead] * y for x, y in zip(b, row, strict=True)]) for p, b in basis]
        basis.append((lead, row))
    return basis


def _in_span(basis: list[tuple[int, list[Fraction]]], index: int, width: int) -> bool:
    target = [Fraction(0)] * width
    target[index] = Fraction(1)
    for pivot, row in basis:
        if target[pivot]:
            factor = target[pivot]
            target = [x - factor * y for x, y in zip(target, row, strict=True)]
    return not any(target)
