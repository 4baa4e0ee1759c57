import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def sweep_clocks() -> int:
    return services.sweep().created


@shared_task(
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(services.DeliveryFailed,),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=services.MAX_ATTEMPTS,
)
def deliver_reminder(reminder_id: int) -> str:
    return services.deliver(reminder_id)


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def deliver_reminders(reminder_ids: list[int]) -> None:
    """A batch from the sweep: one message for many reminders, so a sweep that finds
    thousands due spends its time on the database, not on the broker. Delivery is idempotent,
    so a batch redelivered after a lost worker resends nothing. A failed one is handed to
    deliver_reminder, whose retries back off as before."""
    for reminder_id in reminder_ids:
        try:
            services.deliver(reminder_id)
        except services.DeliveryFailed:
            deliver_reminder.apply_async((reminder_id,), countdown=30)
        except Exception:
            # Something other than the mail server: the rest of the batch still goes, and
            # the sweep claims this one again once its claim runs out.
            logger.exception("Reminder %s: delivery failed unexpectedly", reminder_id)
