from celery import shared_task

from .models import Heartbeat

HEARTBEAT = "beat"


@shared_task(ignore_result=True)
def heartbeat() -> None:
    Heartbeat.beat(HEARTBEAT)
