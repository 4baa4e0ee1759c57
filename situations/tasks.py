from celery import shared_task

from core.models import Heartbeat

from . import services

# The privacy officer's retention page shows when purging last ran.
PURGE_HEARTBEAT = "purge"


@shared_task(ignore_result=True)
def purge_expired_identities() -> int:
    purged = services.purge_expired_identities()
    Heartbeat.beat(PURGE_HEARTBEAT)
    return purged
