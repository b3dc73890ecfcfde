"""Small-count suppression, so that no child can be singled out from a figure that leaves the school.

Primary suppression hides every count from 1 to threshold − 1 (a zero says nobody and is shown).
Complementary suppression then makes sure no hidden count can be recovered by subtraction: in
every group of cells whose sum is published (a total), a hidden cell never stands alone — if only
one is hidden, the smallest other cell of the group (a zero only when nothing else is left) is
hidden with it. A group of one cell cannot be protected this way: its total must not be published.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping

DEFAULT_THRESHOLD = 5


def suppress(
    cells: Mapping[Hashable, int], *, threshold: int = DEFAULT_THRESHOLD, totals: Iterable[Iterable[Hashable]] = ()
) -> set[Hashable]:
    """The keys of `cells` to hide; `totals` lists the groups of keys whose sums are published."""
    hidden = {key for key, value in cells.items() if 0 < value < threshold}
    groups = [list(group) for group in totals]
    changed = True
    while changed:  # hiding a complement can leave another group with a lone hidden cell
        changed = False
        for group in groups:
            lone = [key for key in group if key in hidden]
            if len(lone) != 1:
                continue
            # Prefer the smallest non-zero cell; a zero only when no other is left.
            candidates = sorted((cells[key] == 0, cells[key], str(key), key) for key in group if key not in hidden)
            if candidates:
                hidden.add(candidates[0][3])
                changed = True
    return hidden


# A tree of sums -----------------------------------------------------------------------------------
#
# A student-derived figure (a COUNT over the schools) is published for every tenant of a tree: each
# school, each county, the city. The only relations between those cells are "a tenant's figure is
# the sum of its children's" — the engine adds numerators, never anything else, and no published
# figure adds two codes (there is no NONE level and no total over codes), so each code is a tree of
# sums of its own and no constraint links two codes or two years.
#
# A hidden cell is derivable exactly when elimination over these sums determines it. The incidence
# graph of the system (cells on one side, one sum per tenant with children on the other; a cell is
# in its own sum as the total and in its parent's as a term) is a forest, because the tenants form a
# tree. For such a system, peeling is exact: a hidden cell is determined if and only if repeatedly
# solving sums with a single unknown reaches it. One direction is plain; for the other, when every
# sum has no unknown or at least two, add 1 to any hidden cell and restore each sum it is in by
# moving another unknown of that sum by 1, then the sums that one is in, and so on: acyclicity means
# the walk never comes back to a sum it has balanced, so it ends, and every sum holds with the cell
# changed — the published cells do not determine it. So the fixpoint below, which breaks every
# single-unknown sum by hiding one more of its cells, leaves no hidden cell derivable.
#
# What it does not hide: bounds. A published parent of 3 says each of its hidden children is at
# most 3; suppression here protects the exact count, as primary-and-complementary suppression does.


def suppress_tree(
    values: Mapping[Hashable, int | None],
    parent_of: Mapping[Hashable, Hashable | None],
    *,
    threshold: int = DEFAULT_THRESHOLD,
    fixed: Iterable[Hashable] = (),
) -> set[Hashable]:
    """The cells of a tree of sums to hide, so that no count from 1 to threshold − 1 is shown or derivable.

    `parent_of` names every cell's parent (None for the root); each cell with children is the sum of
    them. `values` holds each cell's count; a cell missing from it (or None) is not published at all
    and is protected like a small one, since what it hides is unknown here. `fixed` cells are known
    to every reader whatever is hidden (a school that has not reported adds 0, and says so): they
    are never hidden and never chosen to protect another cell (a sum they make false: `is_void`).
    """
    children: dict[Hashable, list[Hashable]] = {cell: [] for cell in parent_of}
    for cell, parent in parent_of.items():
        if parent is not None:
            children.setdefault(parent, []).append(cell)
    forced = set(fixed)

    def count(cell: Hashable) -> int | None:
        return values.get(cell)

    unknown = {cell for cell in children if cell not in forced and count(cell) is None}
    hidden = {cell for cell in children if cell not in forced and 0 < (count(cell) or 0) < threshold}

    def is_unknown(cell: Hashable) -> bool:
        return cell in hidden or cell in unknown

    def complement(candidates: Iterable[Hashable]) -> Hashable | None:
        # The smallest non-zero published cell; a zero only when nothing else is left.
        open_cells = [cell for cell in candidates if not is_unknown(cell) and cell not in forced]
        if not open_cells:
            return None
        return min(open_cells, key=lambda cell: ((count(cell) or 0) == 0, count(cell) or 0, str(cell)))

    # One canonical order (the total's key), and after each new hidden cell the first broken sum
    # again: the pattern depends on the figures only, never on the order the tree was read in, so
    # every process (and the isolation suite's oracle) arrives at the same cells.
    holding = ((cell, kids) for cell, kids in children.items() if kids and not is_void(cell, kids, forced))
    sums = sorted(holding, key=lambda item: str(item[0]))
    while True:
        broken = next((lone for total, terms in sums if len(lone := _lone(total, terms, is_unknown)) == 1), None)
        if broken is None:
            break
        cell, total, terms = broken[0]
        if cell == total:
            # Derivable from below: every child is shown. Hide one more child.
            chosen = complement(terms)
        else:
            # Derivable from above: the parent and every sibling are shown. Hide a sibling, or the
            # parent when no sibling can be hidden.
            chosen = complement(term for term in terms if term != cell)
            if chosen is None and total not in forced:
                chosen = total
        if chosen is None:
            # Cannot happen in a sum that holds (a total is fixed exactly when all its terms are,
            # and a fixed cell is never hidden), but a silent pass would publish a derivable count.
            raise ValueError(f"Cell {cell!r} cannot be protected: every other cell of its sum is fixed.")
        hidden.add(chosen)
    return hidden | unknown


def is_void(total: Hashable, terms: Iterable[Hashable], fixed: set[Hashable]) -> bool:
    """Does the sum `total` = Σ `terms` not hold? A fixed cell (not reported: it adds 0) above a term
    that is not fixed, or one that is not fixed above fixed terms only, can only come from figures
    taken at different times (approved snapshots): its equation is false, so it determines nothing
    true, and is left out of the system rather than protected."""
    return (total in fixed) != all(term in fixed for term in terms)


def _lone(
    total: Hashable, terms: list[Hashable], is_unknown: Callable[[Hashable], bool]
) -> list[tuple[Hashable, Hashable, list[Hashable]]]:
    """The unknown cells of the sum `total` = Σ `terms`, each with the sum."""
    return [(cell, total, terms) for cell in (total, *terms) if is_unknown(cell)]
