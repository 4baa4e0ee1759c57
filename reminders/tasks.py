from celery import shared_task

from . import services


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
