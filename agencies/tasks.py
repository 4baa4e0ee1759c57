"""People's accounts in the background: emails, sent by the worker so that no request waits
on (or is timed by) the mail server, and expired sessions cleared. The email tasks take ids;
the token in a link is made here."""

from smtplib import SMTPException

from celery import shared_task
from django.core.management import call_command
from django.utils import translation

from . import services

RETRY = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (SMTPException, ConnectionError),
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "max_retries": 5,
}


@shared_task(ignore_result=True, **RETRY)
def email_password_link(entry_id: int, language: str = "en") -> bool:
    with translation.override(language):
        return services.deliver_password_link(entry_id)


@shared_task(ignore_result=True, **RETRY)
def email_notice(entry_id: int, language: str = "en") -> bool:
    with translation.override(language):
        return services.deliver_notice(entry_id)


@shared_task(ignore_result=True, **RETRY)
def email_reset_links(person_ids: list[int], language: str = "en") -> int:
    with translation.override(language):
        return services.deliver_reset_links(person_ids)


@shared_task(ignore_result=True)
def clear_expired_sessions() -> None:
    """Django deletes a session only when its owner signs out; expired ones stay until this
    runs (daily, from beat)."""
    call_command("clearsessions")
