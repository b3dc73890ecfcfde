"""Small-count suppression, so that no child can be singled out from a figure that leaves the school.

Primary suppression hides every count from 1 to threshold − 1 (a zero says nobody and is shown).
Complementary suppression then makes sure no hidden count can be recovered by subtraction: in
every group of cells whose sum is published (a total), a hidden cell never stands alone — if only
one is hidden, the smallest other cell of the group (a zero only when nothing else is left) is
hidden with it. A group of one cell cannot be protected this way: its total must not be published.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping

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
