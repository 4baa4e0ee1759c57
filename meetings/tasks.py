from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def schedule_meetings() -> int:
    return services.schedule_all()
