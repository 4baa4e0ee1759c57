"""A page of a long list and its total from one query.

Django's Paginator counts the list (one query), then reads the page: both carry the list's
conditions, the privacy filter included, so each is built and compiled again. `counted_page`
reads the page's primary keys with the total alongside (COUNT(*) OVER (), counted before the
LIMIT): the conditions once, in one query. The view then reads the rows it shows by those
keys, a plain lookup of 50 (README, Performance: issue 19).
"""

from django.core.paginator import Page, Paginator
from django.db.models import Count, Window

# Beyond any list, and an OFFSET a 64-bit integer still holds.
FARTHEST = 2**62


def _number(value) -> int:
    # As Paginator.get_page: what is not a whole number is the first page.
    try:
        return int(value)
    except (TypeError, ValueError):
        return 1


def counted_page(queryset, number, per_page: int) -> Page:
    """The page `number` of an ordered queryset: its object_list the page's primary keys in
    order, its paginator's count the list's total. As Paginator.get_page, a number below one
    or past the end is the last page."""
    paginator = Paginator(queryset, per_page)
    number = _number(number)
    start = (number - 1) * per_page
    rows = []
    if 0 <= start < FARTHEST:
        rows = list(
            queryset.annotate(_total=Window(Count("pk"))).values_list("pk", "_total")[
                start : start + per_page
            ]
        )
    if rows:
        # A cached_property: set here, Paginator never counts.
        paginator.count = rows[0][1]
        return Page([pk for pk, _total in rows], number, paginator)
    if number == 1:
        paginator.count = 0
        return Page([], 1, paginator)
    # Out of range (a bookmarked page of a list that has shrunk): count, then the last page.
    return counted_page(queryset, paginator.num_pages, per_page)
