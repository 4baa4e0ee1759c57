"""Small-cell suppression for anything the steering committee sees or exports.

Primary: a count from 1 to 4 shows as "<5". Complementary: in a group whose total is shown,
a single suppressed cell could be recovered by subtraction, so the smallest other non-zero cell
is withheld as well; it shows as "*" (it is not small, so "<5" would be untrue).
"""

from __future__ import annotations

from dataclasses import dataclass

THRESHOLD = 5
MASK = "<5"
COMPLEMENTARY = "*"


@dataclass(frozen=True)
class Cell:
    value: int
    suppressed: bool = False
    complementary: bool = False

    def __str__(self) -> str:
        if self.complementary:
            return COMPLEMENTARY
        return MASK if self.suppressed else str(self.value)

    @property
    def display(self) -> str:
        return str(self)


def is_small(value: int) -> bool:
    return 0 < value < THRESHOLD


def suppress(values: list[int], *, total_shown: bool = True) -> list[Cell]:
    """Suppress one group of counts that add up to a total (shown or not)."""
    small = [is_small(v) for v in values]
    extra = [False] * len(values)
    if total_shown and sum(small) == 1:
        # The one hidden cell = total - the others: hide the smallest other non-zero cell too.
        candidates = [(v, i) for i, v in enumerate(values) if v > 0 and not small[i]]
        if candidates:
            extra[min(candidates)[1]] = True
    return [
        Cell(v, suppressed=s or e, complementary=e)
        for v, s, e in zip(values, small, extra, strict=True)
    ]


def suppress_total(total: int) -> Cell:
    return Cell(total, is_small(total))


def share(numerator: int, denominator: int, *, suppressed: bool) -> str | None:
    """A percentage, withheld when either count is small (it would reveal the count)."""
    if denominator == 0:
        return None
    if suppressed and (is_small(numerator) or is_small(denominator)):
        return MASK
    return f"{round(100 * numerator / denominator)}%"
