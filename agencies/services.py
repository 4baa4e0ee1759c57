"""People workflows: each touches the person, their seats and their agency group, atomically."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from .models import Membership, Site, User


@dataclass(frozen=True)
class Seat:
    site: Site
    role: str


def _set_seats(person: User, seats: Iterable[Seat]) -> None:
    wanted = {seat.site.pk: seat.role for seat in seats} if person.agency_id else {}
    existing = {m.site_id: m for m in person.memberships.all()}
    for site_id, membership in existing.items():
        if site_id not in wanted:
            membership.delete()
        elif membership.role != wanted[site_id]:
            membership.role = wanted[site_id]
            membership.save(update_fields=["role"])
    for site_id, role in wanted.items():
        if site_id not in existing:
            Membership.objects.create(user=person, site_id=site_id, role=role)


def send_invitation(person: User) -> None:
    """Email a one-time link to choose a password. No case data, ever, in an email."""
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(person.pk)),
            "token": default_token_generator.make_token(person),
        },
    )
    context = {"person": person, "link": f"{settings.SITE_URL}{path}"}
    send_mail(
        subject=_("Your FOCUS situation table account"),
        message=render_to_string("agencies/email/invitation.txt", context),
        from_email=None,
        recipient_list=[person.email],
    )


@transaction.atomic
def provision_person(*, fields: dict, seats: Iterable[Seat]) -> User:
    """Create a person with no usable password and invite them to choose one."""
    person = User(**fields)
    person.set_unusable_password()
    person.full_clean()
    person.save()
    _set_seats(person, seats)
    transaction.on_commit(lambda: send_invitation(person))
    return person


@transaction.atomic
def update_person(person: User, *, fields: dict, seats: Iterable[Seat], version: int) -> User:
    """Apply an edit made from `version`; raises ConcurrentEdit if someone saved since."""
    person.claim_version(version)
    for name, value in fields.items():
        setattr(person, name, value)
    person.full_clean()
    person.save()
    _set_seats(person, seats)
    return person
