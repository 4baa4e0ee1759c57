"""What needs a person's attention, for home: the chair's and the representative's worklists.

Every list reads through the gates (restrict), so a worklist shows nothing a person could not
open. Counts and references only: no case content on home.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Subquery
from django.utils import timezone

from agencies.models import Site
from ledger.models import TellingRecord
from meetings.models import ActionItem, Meeting
from meetings.services import next_meetings
from situations.clock import clock_for
from situations.models import Situation, SituationUpdate, Status

UNTOLD_SHOWN = 50  # the oldest first; the rest follow as these are answered


@dataclass
class ChairList:
    site: Site
    waiting: list = field(default_factory=list)  # submitted, for the table to decide
    clocks: list = field(default_factory=list)  # overdue or at risk
    proposals: list = field(default_factory=list)  # the lead proposes to conclude
    actions: list = field(default_factory=list)  # open at the site, overdue first
    minutes: list = field(default_factory=list)  # closed meetings, minutes still a draft
    untold: list = field(default_factory=list)  # concluded; whether the person was told unsaid

    @property
    def empty(self) -> bool:
        return not (
            self.waiting
            or self.clocks
            or self.proposals
            or self.actions
            or self.minutes
            or self.untold
        )


def sites_with_next_meeting(user):
    seats = {m.site_id: m for m in user.memberships.all()}
    sites = list(Site.objects.restrict(user, "see_schedule"))
    upcoming = next_meetings(sites)
    return [
        {"site": site, "next_meeting": upcoming.get(site.pk), "seat": seats.get(site.pk)}
        for site in sites
    ]


def _open_actions(user):
    return (
        ActionItem.objects.restrict(user)
        .filter(status=ActionItem.Status.OPEN)
        .select_related("owner_agency", "meeting__site", "situation")
        .order_by("due_on")
    )


def agency_work(user) -> dict:
    """A representative's: the agency's running clocks, least time left first, and the
    actions it owns."""
    now = timezone.now()
    clocks = (
        Situation.objects.restrict(user, "view_response")
        .filter(status=Status.OPEN)
        .select_related("site")
        .order_by(F("first_contact_at").asc(nulls_first=True), "response_due_at")[:20]
    )
    return {
        "clocks": [{"situation": s, "clock": clock_for(s, now)} for s in clocks],
        "actions": list(_open_actions(user).filter(owner_agency=user.agency_id)[:50]),
    }


def chair_work(user) -> list[ChairList]:
    sites = list(Site.objects.restrict(user, "run_meetings"))
    if not sites:
        return []
    now = timezone.now()
    lists = {site.pk: ChairList(site) for site in sites}
    visible = Situation.objects.restrict(user).filter(site__in=lists)
    for situation in visible.filter(status=Status.SUBMITTED).order_by("submitted_at"):
        lists[situation.site_id].waiting.append(situation)
    soon = now + timedelta(hours=settings.CLOCK_AT_RISK_HOURS)
    for situation in visible.filter(
        status=Status.OPEN, first_contact_at__isnull=True, response_due_at__lte=soon
    ).order_by("response_due_at"):
        lists[situation.site_id].clocks.append(
            {"situation": situation, "clock": clock_for(situation, now)}
        )
    latest = SituationUpdate.objects.filter(situation=OuterRef("pk")).order_by("-created_at", "-pk")
    proposing = (
        visible.filter(status=Status.OPEN)
        .annotate(proposes=Subquery(latest.values("proposes_conclusion")[:1]))
        .filter(proposes=True)
        .order_by("reference")
    )
    for situation in proposing:
        lists[situation.site_id].proposals.append(situation)
    for action in _open_actions(user).filter(meeting__site__in=lists):
        lists[action.meeting.site_id].actions.append(action)
    # The next meeting approves the last one's minutes: only each site's latest closed meeting.
    latest = (
        Meeting.objects.filter(site=OuterRef("site"), status=Meeting.Status.CLOSED)
        .order_by("-starts_at")
        .values("pk")[:1]
    )
    for meeting in Meeting.objects.restrict(user, "approve_minutes").filter(
        site__in=lists, pk=Subquery(latest)
    ):
        lists[meeting.site_id].minutes.append(meeting)
    # The lead agency has not said whether the person was told their information was shared:
    # the chair asks at the table.
    untold = (
        visible.filter(status=Status.CONCLUDED)
        .exclude(Exists(TellingRecord.objects.filter(situation=OuterRef("pk"))))
        .order_by("concluded_at")
    )
    for situation in untold[:UNTOLD_SHOWN]:
        lists[situation.site_id].untold.append(situation)
    return list(lists.values())
