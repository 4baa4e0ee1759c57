"""Small-cell suppression that holds against arithmetic: one publication at a time.

A *publication* is every count one response shows (a page and its CSV are the same
publication), with the linear relations an attacker knows between them: totals that are sums
of cells, the same count shown in two tables, one quantity that cannot exceed another.
`protect()` decides which counts to withhold:

- **Primary**: a count from 1 to 4 shows as "<5".
- **No breakdown of a small total**: the parts of a "<5" total split among two or more
  non-zero counts are not shown at all (they read "withheld", zeros included, and so on down
  through their own parts). Shown as "<5" each, three non-zero parts would tell that their
  total is at least 3.
- **Secondary** (complementary): further counts are withheld, shown as "*", until every "<5"
  cell can still be any of 1, 2, 3 or 4 given *all* published numbers and relations at once.
  This is checked, not hoped for: for each "<5" cell an integer program (scipy's HiGHS) asks
  whether the published system has a solution with the cell at 1 and one with it at 4, the
  attacker knowing that a "<5" is 1..4, that a "*" is 0 or at least 5 (small cells always
  show as "<5"), and that unpublished counts are merely non-negative. While a cell fails, the
  cheapest published count next to it is withheld as well; withholding only ever widens what
  an attacker can deduce, so a cell once protected stays protected.

Sometimes no choice of "*" can save a "<5": in a tiny population the "<5" cells themselves
cap a total (two sites each "<5" make at most 8 presented, and with accepted known to be at
least 5, rejected cannot be 4). Then the counts marked optional are left out, one group at a
time, and if that is not enough either, the whole publication is withheld: every count reads
"withheld" and `Publication.withheld` is set, so the caller can say why.

Shares, averages and medians are not counts: `known()` says whether every count under one is
published, and a figure resting on a withheld count is withheld too (then it adds nothing to
what the counts say). `enough()` is the rule for a median or a rate over counts that are
never shown: withheld when based on 1 to 4 situations.

The engine knows no domain: core is the ground floor and imports no app.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

# NumPy and SciPy at import, not at the first check: SciPy's optimizer takes most of a second
# to import, and each web process paid it on its first committee page (focus/wsgi.py imports
# the views, and so this, before a process serves anything).
import numpy as np
from django.utils.translation import gettext_lazy as _
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_array

THRESHOLD = 5
MASK = "<5"
COMPLEMENTARY = "*"
WITHHELD = _("withheld")

# Off only in the test that proves the auditor catches a page protected by primary
# suppression alone.
SECONDARY = True


@dataclass(frozen=True)
class Cell:
    value: int
    suppressed: bool = False
    complementary: bool = False
    withheld: bool = False

    def __str__(self) -> str:
        if self.withheld:
            return str(WITHHELD)
        if self.complementary:
            return COMPLEMENTARY
        return MASK if self.suppressed else str(self.value)

    @property
    def display(self) -> str:
        return str(self)


def is_small(value: int) -> bool:
    return 0 < value < THRESHOLD


def enough(n: int) -> bool:
    """A figure over n situations that are never shown as a count (a median, a rate of
    unpublished counts) may be published: none, or at least five."""
    return not is_small(n)


Key = Hashable


@dataclass
class Publication:
    """Counts by key, shown or internal (internal ones are never shown; an attacker knows
    only that they are not negative), and the relations between them."""

    values: dict[Key, int] = field(default_factory=dict)
    shown: set[Key] = field(default_factory=set)
    cost: dict[Key, int] = field(default_factory=dict)
    sums: list[tuple[Key, tuple[Key, ...]]] = field(default_factory=list)
    ties: list[tuple[Key, ...]] = field(default_factory=list)
    optional: dict[str, set[Key]] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)
    cells: dict[Key, Cell] | None = None
    withheld: bool = False
    blank: set[Key] = field(default_factory=set)
    _internal: int = 0

    def blanked(self, key: Key) -> bool:
        return self._protected()[key].withheld

    def count(self, key: Key, value: int, *, cost: int = 1, optional: str = "") -> Key:
        """A published count. A higher cost makes it a later choice as a complement (totals
        and headline figures are worth more to the reader than one cell of a breakdown).
        Counts of an `optional` group are left out, rather than withholding everything, when
        no suppression pattern can protect the publication with them."""
        if key in self.values and self.values[key] != value:
            raise ValueError(f"{key!r} published twice with different values")
        self.values[key] = int(value)
        self.shown.add(key)
        self.cost[key] = max(cost, self.cost.get(key, 0))
        if optional:
            self.optional.setdefault(optional, set()).add(key)
        return key

    def internal(self, value: int) -> Key:
        self._internal += 1
        key = ("internal", self._internal)
        self.values[key] = int(value)
        return key

    def sum(self, total: Key, parts: Iterable[Key]) -> None:
        """`total` is the sum of `parts`. Where the published parts need not cover the total
        (rows left out), the difference becomes an internal count, so the relation stays
        exact without telling the attacker more than "at least"."""
        parts = tuple(parts)
        rest = self.values[total] - sum(self.values[p] for p in parts)
        if rest < 0:
            raise ValueError(f"the parts of {total!r} exceed it")
        if rest:
            parts += (self.internal(rest),)
        self.sums.append((total, parts))

    def at_most(self, smaller: Key, larger: Key) -> None:
        """`smaller` <= `larger` (a subgroup never outnumbers its group)."""
        self.sum(larger, [smaller])

    def tie(self, *keys: Key) -> None:
        """Counts that are withheld together: the same quantity by two definitions that
        nearly always agree (a reader would take one for the other)."""
        self.ties.append(keys)

    # ---- Deciding ----------------------------------------------------------------------

    def protect(self, *, suppressed: bool = True) -> dict[Key, Cell]:
        if not suppressed:
            self.cells = {k: Cell(self.values[k]) for k in self.shown}
            return self.cells
        groups = list(self.optional)
        while True:
            primary = {k for k in self.shown if is_small(self.values[k])}
            if SECONDARY:
                self.blank |= self._below(primary)
                self.shown -= self.blank
                primary -= self.blank
            hidden = set(primary)
            if not SECONDARY or _Protector(self, primary, hidden).run():
                break
            if not groups:
                self.withheld = True
                self.cells = {
                    k: Cell(self.values[k], suppressed=True, withheld=True)
                    for k in self.shown | self.blank
                }
                return self.cells
            # Left out: still counted in the relations, as counts the reader does not see.
            group = groups.pop(0)
            self.shown -= self.optional[group]
            self.blank -= self.optional[group]
            self.dropped.append(group)
        self.cells = {
            k: Cell(
                self.values[k],
                suppressed=k in hidden,
                complementary=k in hidden and k not in primary,
            )
            for k in self.shown
        }
        for k in self.blank:
            self.cells[k] = Cell(self.values[k], suppressed=True, withheld=True)
        return self.cells

    def _below(self, small: set[Key]) -> set[Key]:
        """Every count under a small total split among two or more non-zero counts, and
        under those, all the way down. (With one, the part is the total: nothing to hide.)"""
        blank: set[Key] = set()
        queue = list(small)
        while queue:
            total = queue.pop()
            for t, parts in self.sums:
                if t != total:
                    continue
                shown = [p for p in parts if p in self.shown]
                if sum(1 for p in shown if self.values[p]) < 2:
                    continue
                for part in shown:
                    if part not in blank:
                        blank.add(part)
                        queue.append(part)
        return blank

    def __getitem__(self, key: Key) -> Cell:
        return self._protected()[key]

    def _protected(self) -> dict:
        # Reading a cell before protect() would publish an unprotected figure: refuse loudly
        # (an assert disappears under python -O).
        if self.cells is None:
            raise RuntimeError("protect() the publication before reading its cells")
        return self.cells

    def known(self, *keys: Key) -> bool:
        """Every one of these counts is published as a number."""
        return all(not self[k].suppressed for k in keys)


class _Protector:
    def __init__(self, pub: Publication, primary: set[Key], hidden: set[Key]):
        self.pub = pub
        self.primary = primary
        self.hidden = hidden
        self.keys = list(pub.values)
        self.index = {k: i for i, k in enumerate(self.keys)}
        self.neighbours: dict[Key, set[int]] = {}
        for n, (total, parts) in enumerate(pub.sums):
            for k in (total, *parts):
                self.neighbours.setdefault(k, set()).add(n)
        self._matrix = None

    def run(self) -> bool:
        """Whether every "<5" could be protected."""
        self._tie()
        self._no_lone_cell()
        for key in sorted(self.primary, key=repr):
            while not self._safe(key):
                choice = self._complement(key)
                if choice is None:
                    return False
                self.hidden.add(choice)
                self._tie()
                self._no_lone_cell()
        return True

    def _tie(self) -> None:
        for keys in self.pub.ties:
            if any(k in self.hidden or k in self.pub.blank for k in keys):
                self.hidden.update(k for k in keys if k in self.pub.shown)

    def _unknown(self, key: Key) -> bool:
        return key in self.hidden or key not in self.pub.shown

    def _no_lone_cell(self) -> None:
        """The cheap rule first: a relation with one unknown gives that unknown away."""
        changed = True
        while changed:
            changed = False
            for total, parts in self.pub.sums:
                members = (total, *parts)
                unknown = [k for k in members if self._unknown(k)]
                if len(unknown) == 1 and unknown[0] in self.hidden:
                    choice = self._cheapest(k for k in members if not self._unknown(k))
                    if choice is not None:
                        self.hidden.add(choice)
                        self._tie()
                        changed = True

    def _ranked(self, candidates: Iterable[Key]) -> list[Key]:
        """Cheapest first: low cost, then enough room to move (at least 8), then small."""
        values = self.pub.values
        return sorted(
            (k for k in candidates if values[k] > 0),
            key=lambda k: (self.pub.cost[k], values[k] < THRESHOLD + 3, values[k], repr(k)),
        )

    def _cheapest(self, candidates: Iterable[Key]) -> Key | None:
        ranked = self._ranked(candidates)
        return ranked[0] if ranked else None

    def _complement(self, key: Key) -> Key | None:
        """A published count to withhold next for `key`, among those in a relation with it
        or with a withheld count joined to it."""
        seen, frontier, rings = {key}, [key], []
        while frontier:
            ring, following = set(), []
            for current in frontier:
                for n in self.neighbours.get(current, ()):
                    total, parts = self.pub.sums[n]
                    for k in (total, *parts):
                        if k in seen:
                            continue
                        seen.add(k)
                        if self._unknown(k):
                            following.append(k)
                        else:
                            ring.add(k)
            rings.append(ring)
            frontier = following
        # The cheapest tier first (breakdown cells before totals and headline figures): in
        # it, one count that alone makes `key` safe; else its nearest, and try again.
        candidates = self._ranked(set().union(*rings))
        if not candidates:
            return None
        tier = [k for k in candidates if self.pub.cost[k] == self.pub.cost[candidates[0]]]
        for candidate in tier:
            self.hidden.add(candidate)
            safe = self._safe(key)
            self.hidden.discard(candidate)
            if safe:
                return candidate
        for ring in rings:
            ranked = [k for k in self._ranked(ring) if k in tier]
            if ranked:
                return ranked[0]
        return tier[0]

    # ---- The check: an integer program per "<5" cell ------------------------------------

    def _safe(self, key: Key) -> bool:
        return self._feasible(key, 1) and self._feasible(key, THRESHOLD - 1)

    def _feasible(self, key: Key, value: int) -> bool:
        if self._matrix is None:
            matrix = lil_array((max(len(self.pub.sums), 1), len(self.keys)))
            for row, (total, parts) in enumerate(self.pub.sums):
                matrix[row, self.index[total]] += 1
                for part in parts:
                    matrix[row, self.index[part]] -= 1
            self._matrix = matrix.tocsr()
        lower = np.zeros(len(self.keys))
        upper = np.full(len(self.keys), np.inf)
        for i, k in enumerate(self.keys):
            v = self.pub.values[k]
            if k not in self.pub.shown:
                continue
            if k in self.primary:
                lower[i], upper[i] = 1, THRESHOLD - 1
            elif k in self.hidden:
                # The attacker's range is 0 or at least 5; assuming the narrower truth (the
                # value is 0, or it is at least 5) can only make this check stricter.
                lower[i], upper[i] = (THRESHOLD, np.inf) if v else (0, 0)
            else:
                lower[i] = upper[i] = v
        i = self.index[key]
        lower[i] = upper[i] = value
        result = milp(
            c=np.zeros(len(self.keys)),
            integrality=np.ones(len(self.keys)),
            bounds=Bounds(lower, upper),
            constraints=LinearConstraint(self._matrix, 0, 0),
        )
        return result.status == 0
