"""What keeps the site list fast (issue 19) without changing what it shows: a page and its
total from one query (core/paging.py), the unfiltered filter fields rendered once a minute
(situations/views.py `_filters`), and the sweep's freshness remembered for the staff banner
(core/models.py `Heartbeat.is_stale`)."""

import re
from datetime import timedelta
from html import unescape

import pytest
import time_machine
from django.core.cache import caches
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import Heartbeat
from core.paging import counted_page
from reminders.services import SWEEP_HEARTBEAT
from situations.models import Situation, Status
from tests.factories import AgencyFactory, MembershipFactory, UserFactory

LIST = "/sites/rex/situations/"


@pytest.fixture
def many(cast):
    """120 situations at Rexdale, created a minute apart, the newest last: three pages of the
    list (50, 50, 20)."""
    start = timezone.now() - timedelta(days=1)
    made = Situation.objects.bulk_create(
        Situation(
            site=cast.rex,
            reference=f"REX-P{n:04d}",
            status=Status.SUBMITTED,
            subject_type="person",
            originating_agency=cast.alice.agency,
            narrative="Paging.",
        )
        for n in range(120)
    )
    for n, situation in enumerate(made):
        Situation.objects.filter(pk=situation.pk).update(created_at=start + timedelta(minutes=n))
    return Situation.objects.filter(site=cast.rex).order_by("-created_at", "pk")


@pytest.mark.parametrize(
    "number, queries",
    [
        # One query for the page and its total.
        *[(number, 1) for number in (None, "", "1", "2", "3", "two", "2.5", "1e3")],
        # Past the end: the page that is not there, a count, the last page.
        ("5", 3),
        ("99", 3),
        # Below one, or beyond any OFFSET: a count and the last page.
        ("0", 2),
        ("-1", 2),
        ("9" * 30, 2),
    ],
)
def test_a_counted_page_is_the_page_and_the_total_djangos_paginator_gives(many, number, queries):
    theirs = Paginator(many, 50).get_page(number)
    with CaptureQueriesContext(connection) as captured:
        mine = counted_page(many, number, 50)
        total, pages = mine.paginator.count, mine.paginator.num_pages
    assert list(mine.object_list) == [s.pk for s in theirs.object_list]
    assert (mine.number, total, pages) == (theirs.number, 120, 3)
    assert (mine.has_next(), mine.has_previous()) == (theirs.has_next(), theirs.has_previous())
    assert len(captured) == queries


def test_an_empty_list_is_one_empty_first_page(cast):
    for number in (None, "1", "4"):
        page = counted_page(Situation.objects.none().order_by("pk"), number, 10)
        assert (list(page.object_list), page.number, page.paginator.count) == ([], 1, 0)


def test_a_page_past_the_end_of_a_shrunken_list_shows_the_last_page(client, cast, many):
    client.force_login(cast.carol)
    page_three = client.get(LIST + "?page=3").content.decode()
    assert "120 situations" in page_three and "REX-P0019" in page_three
    Situation.objects.filter(reference__lt="REX-P0025").delete()
    page = client.get(LIST + "?page=3").content.decode()
    # 95 left: the second page is the last (the 51st to the 95th), and the bookmark lands there.
    assert "95 situations" in page
    assert "REX-P0025" in page and "REX-P0069" in page and "REX-P0070" not in page


def test_the_list_counts_only_what_the_viewer_may_see(client, cast, many, story):
    # alice's agency originated every situation, the draft included; the chair sees no draft.
    client.force_login(cast.alice)
    mine = client.get(LIST).content.decode()
    client.force_login(cast.carol)
    chairs = client.get(LIST).content.decode()
    visible = Situation.objects.restrict(cast.carol).filter(site=cast.rex).count()
    assert f"{visible} situations" in chairs
    assert f"{visible + 1} situations" in mine  # her own draft
    assert story.draft.reference in mine and story.draft.reference not in chairs


def _agency_options(html: str) -> set[str]:
    select = re.search(r'<select name="agency".*?</select>', html, re.S).group(0)
    return {unescape(name) for name in re.findall(r'<option value="\d+">([^<]+)</option>', select)}


def test_the_unfiltered_fields_are_read_once_a_minute(client, cast, many):
    client.force_login(cast.carol)
    first = client.get(LIST).content.decode()
    with CaptureQueriesContext(connection) as queries:
        second = client.get(LIST).content.decode()
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "situations_riskcategory" not in sql and "DISTINCT" not in sql
    assert (
        _agency_options(first)
        == _agency_options(second)
        == {
            "Crisis Outreach",
            "Children's Aid",
            "Social Development",
            "Shelter and Housing",
            "School Board",
        }
    )


def test_an_agency_that_joins_the_table_is_offered_within_the_minute(client, cast, many):
    client.force_login(cast.carol)
    assert "Food Bank" not in _agency_options(client.get(LIST).content.decode())
    newcomer = UserFactory(agency=AgencyFactory(name="Food Bank", short_name="FB"))
    MembershipFactory(user=newcomer, site=cast.rex)
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        assert "Food Bank" in _agency_options(client.get(LIST).content.decode())


def test_each_table_and_language_has_its_own_fields(client, cast, many):
    client.force_login(cast.carol)
    rexdale = _agency_options(client.get(LIST).content.decode())
    client.force_login(cast.charlie)
    scarborough = _agency_options(client.get("/sites/sca/situations/").content.decode())
    assert scarborough == {"Crisis Outreach"} and len(rexdale) == 5
    client.force_login(cast.carol)
    assert 'aria-label="Filter situations"' in client.get(LIST).content.decode()
    french = client.get(LIST, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Any status" not in french and "Tout statut" in french


def test_a_filtered_form_shows_what_was_typed_and_is_never_kept(client, cast, many):
    client.force_login(cast.carol)
    client.get(LIST)
    kept = dict(caches["fragments"]._cache)
    typed = "Zyxw Somebody"
    page = client.get(LIST, {"q": typed, "status": "submitted"}).content.decode()
    assert f'value="{typed}"' in page
    assert "No situations match." in page
    assert dict(caches["fragments"]._cache).keys() == kept.keys()
    unfiltered = client.get(LIST).content.decode()
    assert typed not in unfiltered and "120 situations" in unfiltered


def _heartbeat_reads(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    return sum("core_heartbeat" in q["sql"] for q in queries.captured_queries)


def test_a_fresh_sweep_is_read_once_and_a_stale_one_on_every_page(client, cast):
    client.force_login(cast.carol)
    assert [_heartbeat_reads(client) for _ in range(2)] == [1, 1]  # never ran: stale
    Heartbeat.beat(SWEEP_HEARTBEAT)
    assert [_heartbeat_reads(client) for _ in range(3)] == [1, 0, 0]
    assert "Background jobs have not run" not in client.get("/").content.decode()


def test_a_remembered_fresh_sweep_still_goes_stale_on_time(client, cast, settings):
    settings.HEARTBEAT_MAX_AGE = timedelta(minutes=5)
    client.force_login(cast.carol)
    now = timezone.now()
    ten_seconds_left = now - timedelta(minutes=4, seconds=50)
    Heartbeat.objects.create(name=SWEEP_HEARTBEAT, last_run_at=ten_seconds_left)
    banner = "Background jobs have not run"
    with time_machine.travel(now, tick=False):
        assert banner not in client.get("/").content.decode()  # remembered: 10 s left
    with time_machine.travel(now + timedelta(seconds=11), tick=False):
        assert banner in client.get("/").content.decode()
