"""Raising, linking and steering barriers. Each function checks who may act; each is atomic."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Site, User
from core.errors import NotFound
from situations.models import Situation

from .models import Barrier, BarrierAction, BarrierCategory, BarrierLink, BarrierSequence

# A situation's reference however it is typed: REX-2026-014, rex 2026-14, REX–2026–014,
# REX/2026/014, REX2026014, and "REX 2026 014" in capitals. Barriers are read by the steering
# committee and by every table they reach, which must not learn which situation is behind one
# (the link counts it as evidence without naming it). A barrier's own B-2026-001 has one letter.
_SEPARATOR = r"(?:\s*[-‐‑‒–—―_./]\s*|)"
SITUATION_REFERENCE = re.compile(
    rf"(?<![A-Za-z])(?:[A-Za-z]{{2,6}}{_SEPARATOR}(?:19|20)\d\d{_SEPARATOR}\d{{1,5}}"
    rf"|[A-Z]{{2,6}}\s+(?:19|20)\d\d\s+\d{{3,5}})(?!\d)"
)


def refuse_situation_references(text: str) -> None:
    """Refuse barrier text that names a situation, with the reason (a form validator too)."""
    # NFKC folds look-alikes (full-width letters and digits) into the characters above.
    found = SITUATION_REFERENCE.search(unicodedata.normalize("NFKC", text or ""))
    if found:
        raise ValidationError(
            _(
                "“%(found)s” looks like a situation reference. Barriers are read by the "
                "steering committee and other tables: describe the systemic issue without "
                "pointing to a situation (link the situation to the barrier instead)."
            ),
            code="situation_reference",
            params={"found": found.group(0)},
        )


def _next_reference() -> str:
    year = timezone.localdate().year
    BarrierSequence.objects.get_or_create(year=year)
    seq = BarrierSequence.objects.select_for_update().get(year=year)
    seq.last_number += 1
    seq.save(update_fields=["last_number"])
    return f"B-{year}-{seq.last_number:03d}"


def _linkable(user: User, situation: Situation) -> Situation:
    found = (
        Situation.objects.restrict(user, "link_barrier")
        .filter(pk=situation.pk)
        .select_related("site")
        .first()
    )
    if found is None:
        raise NotFound
    return found


@transaction.atomic
def raise_barrier(
    user: User,
    site: Site,
    category: BarrierCategory,
    description: str,
    situation: Situation | None = None,
) -> Barrier:
    if not Site.objects.restrict(user, "raise_barrier").filter(pk=site.pk).exists():
        raise NotFound
    description = description.strip()
    if not description:
        raise ValidationError(_("Describe the barrier."))
    refuse_situation_references(description)
    if not category.active:
        raise ValidationError(_("Choose an active category."))
    barrier = Barrier(
        reference=_next_reference(),
        category=category,
        description=description,
        raised_by_agency=user.agency,
        raised_by=user,
    )
    barrier.full_clean(exclude=["reference", "raised_by_agency"])
    barrier.save()
    barrier.sites.add(site)
    BarrierAction.objects.create(barrier=barrier, kind=BarrierAction.Kind.RAISED, actor=user)
    if situation is not None:
        link(user, situation, barrier)
    return barrier


@transaction.atomic
def link(user: User, situation: Situation, barrier: Barrier) -> bool:
    """Tie a situation to a barrier as evidence. Returns False if it already was."""
    situation = _linkable(user, situation)
    if not Barrier.objects.restrict(user, "link").filter(pk=barrier.pk).exists():
        raise NotFound
    _, created = BarrierLink.objects.get_or_create(
        barrier=barrier, situation=situation, defaults={"linked_by": user}
    )
    barrier.sites.add(situation.site)
    return created


def _claim(user: User, barrier: Barrier) -> Barrier:
    return Barrier.objects.claim(user, barrier.pk, "steer")


@transaction.atomic
def record(user: User, barrier: Barrier, text: str, *, decision: bool) -> BarrierAction:
    barrier = _claim(user, barrier)
    text = text.strip()
    if not text:
        raise ValidationError(_("Write the comment or decision."))
    refuse_situation_references(text)
    kind = BarrierAction.Kind.DECISION if decision else BarrierAction.Kind.COMMENT
    return BarrierAction.objects.create(barrier=barrier, kind=kind, text=text, actor=user)


@transaction.atomic
def change_status(user: User, barrier: Barrier, status: str, version: int) -> Barrier:
    barrier = _claim(user, barrier)
    if status not in Barrier.Status.values:
        raise ValidationError(_("Unknown status."))
    barrier.claim_version(version)
    barrier.status = status
    barrier.save()
    BarrierAction.objects.create(
        barrier=barrier,
        kind=BarrierAction.Kind.STATUS,
        text=str(barrier.get_status_display()),
        actor=user,
    )
    return barrier


@transaction.atomic
def assign_owner(
    user: User, barrier: Barrier, *, agency: Agency | None, steering: bool, version: int
) -> Barrier:
    barrier = _claim(user, barrier)
    if steering == (agency is not None):
        raise ValidationError(_("Choose either an agency or the steering committee."))
    barrier.claim_version(version)
    barrier.owner_agency, barrier.owned_by_steering = agency, steering
    barrier.save()
    BarrierAction.objects.create(
        barrier=barrier, kind=BarrierAction.Kind.OWNER, text=barrier.owner_label, actor=user
    )
    return barrier


def evidence(barriers, sites=None) -> dict[int, dict]:
    """Per barrier: the number of situations linked, in all and per site and month; limited
    to `sites` when given (members count only their own tables' situations)."""
    links = BarrierLink.objects.filter(barrier__in=barriers)
    if sites is not None:
        links = links.filter(situation__site__in=sites)
    rows = (
        links.annotate(month=TruncMonth("linked_at"))
        .values_list("barrier_id", "situation__site__code", "month")
        .annotate(n=Count("situation", distinct=True))
        .order_by("barrier_id", "situation__site__code", "month")
    )
    result: dict[int, dict] = {}
    for barrier_id, site_code, month, n in rows:
        entry = result.setdefault(barrier_id, {"total": 0, "cells": []})
        entry["total"] += n
        entry["cells"].append({"site": site_code, "month": month, "n": n})
    return result


def open_barrier_evidence(sites, start, end) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """For the dashboard: situations (at these sites) linked to open barriers, by category;
    and links made per month in the period (the trend)."""
    links = BarrierLink.objects.filter(situation__site__in=sites)
    by_category = list(
        links.filter(barrier__status__in=Barrier.OPEN_STATUSES)
        .values_list("barrier__category__name")
        .annotate(n=Count("situation", distinct=True))
        .order_by("-n", "barrier__category__name")
    )
    by_month = [
        (month.strftime("%Y-%m"), n)
        for month, n in links.filter(linked_at__date__range=(start, end))
        .annotate(month=TruncMonth("linked_at"))
        .values_list("month")
        .annotate(n=Count("pk"))
        .order_by("month")
    ]
    return by_category, by_month
