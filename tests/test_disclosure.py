"""core/disclosure.py on small publications worked out by hand."""

import pytest

from core import disclosure
from core.disclosure import Publication


def shown(pub):
    return {key: cell.display for key, cell in pub.cells.items()}


def decision(presented, accepted, rejected):
    pub = Publication()
    pub.count("presented", presented, cost=10)
    pub.count("accepted", accepted, cost=5)
    pub.count("rejected", rejected, cost=5)
    pub.sum("presented", ["accepted", "rejected"])
    return pub


def test_a_small_count_and_its_complement_are_withheld():
    pub = decision(12, 9, 3)
    pub.protect()
    assert shown(pub) == {"presented": "12", "accepted": "*", "rejected": "<5"}
    assert pub.known("presented") and not pub.known("accepted")


def test_exact_figures_when_not_suppressed():
    pub = decision(12, 9, 3)
    pub.protect(suppressed=False)
    assert shown(pub) == {"presented": "12", "accepted": "9", "rejected": "3"}


def test_a_second_table_with_the_same_total_is_protected_too():
    """The issue's page: the accepted count was also the total of the lead sectors."""
    pub = decision(30, 28, 2)
    pub.count(("lead", "police"), 10)
    pub.count(("lead", "housing"), 18)
    pub.sum("accepted", [("lead", "police"), ("lead", "housing")])
    pub.protect()
    cells = shown(pub)
    assert cells["rejected"] == "<5" and cells["accepted"] == "*"
    assert "*" in (cells[("lead", "police")], cells[("lead", "housing")])


def test_two_small_cells_whose_sum_is_known_get_a_third():
    """2 + 1 = 3 with the rest known would make both exact; the sum must not be known."""
    pub = Publication()
    pub.count("total", 20, cost=10)
    parts = {"a": 2, "b": 1, "c": 9, "d": 8}
    for key, value in parts.items():
        pub.count(key, value)
    pub.sum("total", parts)
    pub.protect()
    cells = shown(pub)
    assert cells["a"] == cells["b"] == "<5"
    assert "*" in (cells["c"], cells["d"])


def test_a_small_total_is_not_broken_down():
    """Three parts each "<5" would tell that their total is at least 3."""
    pub = Publication()
    pub.count("concluded", 3)
    for month in ("jan", "feb", "mar"):
        pub.count(month, 1)
    pub.sum("concluded", ["jan", "feb", "mar"])
    pub.protect()
    assert shown(pub) == {
        "concluded": "<5",
        "jan": "withheld",
        "feb": "withheld",
        "mar": "withheld",
    }


def test_an_optional_table_is_left_out_before_the_whole_publication():
    """Two sites each "<5" cap the presented at 8; with accepted known to be at least 5,
    rejected could not be 4."""
    pub = decision(8, 6, 2)
    pub.count(("lead", "police"), 3)
    pub.count(("lead", "housing"), 3)
    pub.sum("accepted", [("lead", "police"), ("lead", "housing")])
    pub.count(("site", "REX"), 4, optional="site")
    pub.count(("site", "SCA"), 4, optional="site")
    pub.sum("presented", [("site", "REX"), ("site", "SCA")])
    pub.protect()
    assert pub.dropped == ["site"] and not pub.withheld
    assert ("site", "REX") not in pub.cells


def test_when_nothing_can_protect_a_small_count_everything_is_withheld():
    pub = decision(8, 6, 2)
    pub.count(("age", "young"), 4)
    pub.count(("age", "old"), 4)
    pub.sum("presented", [("age", "young"), ("age", "old")])
    pub.protect()
    assert pub.withheld
    assert set(shown(pub).values()) == {"withheld"}


def test_tied_counts_are_withheld_together():
    pub = decision(12, 9, 3)
    pub.count("new", 9)
    pub.tie("new", "accepted")
    pub.protect()
    assert shown(pub)["new"] == "*"


def test_a_subgroup_never_reveals_its_group():
    """A category of 9 among accepted situations says at least 9 were accepted, so at most
    3 rejected out of 12: the category is withheld too."""
    pub = decision(12, 9, 3)
    pub.count("housing", 9)
    pub.at_most("housing", "accepted")
    pub.protect()
    assert shown(pub)["housing"] == "*"


def test_without_secondary_suppression_only_small_counts_are_hidden(monkeypatch):
    monkeypatch.setattr(disclosure, "SECONDARY", False)
    pub = decision(12, 9, 3)
    pub.protect()
    assert shown(pub) == {"presented": "12", "accepted": "9", "rejected": "<5"}


def test_a_count_published_twice_must_agree():
    pub = Publication()
    pub.count("a", 3)
    with pytest.raises(ValueError, match="twice"):
        pub.count("a", 4)
