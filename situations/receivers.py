"""A change to anything a situation's page shows moves the situation's `updated_at`.

The page's record is cached by it (situations/views.py `_record`), so the rule is kept here,
on the models' own signals, not by each service remembering to: whatever writes a risk
factor, an affected person, an update, a telling record or one of the situation's lists,
through a service, the admin or a shell, moves it. Changes to the situation's own row move it
already (`auto_now`). A queryset's `update()` or `bulk_create()` sends no signal; nothing
writes these rows that way outside the scale seed, which writes before anyone reads.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from ledger.models import TellingRecord

from .models import AffectedPerson, Situation, SituationRiskFactor, SituationUpdate

CHILDREN = (SituationRiskFactor, AffectedPerson, SituationUpdate, TellingRecord)
LISTS = ("protective_factors", "study_flags", "services_mobilized", "assisting_agencies")


def touch(situation_ids) -> None:
    Situation.objects.filter(pk__in=situation_ids).update(updated_at=timezone.now())


def _child_changed(sender, instance, raw=False, **kwargs) -> None:
    if not raw:  # loaddata: the fixture's own timestamps stand
        touch([instance.situation_id])


def _list_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if not reverse:
        if action in ("post_add", "post_remove", "post_clear"):
            touch([instance.pk])
    elif action in ("post_add", "post_remove") and pk_set:
        touch(pk_set)  # an item given to, or taken from, these situations
    elif action == "pre_clear":
        # An item taken from every situation: they are read while the rows are still there,
        # in the transaction that removes them (Django's clear() is atomic).
        touch(Situation.objects.filter(**{LIST_OF[sender]: instance}).values("pk"))


# Each list's table, with the name of the list on a situation.
LIST_OF = {getattr(Situation, name).through: name for name in LISTS}


def connect() -> None:
    for model in CHILDREN:
        post_save.connect(_child_changed, sender=model, dispatch_uid=f"touch_{model.__name__}")
        post_delete.connect(_child_changed, sender=model, dispatch_uid=f"touch_{model.__name__}")
    for through, name in LIST_OF.items():
        m2m_changed.connect(_list_changed, sender=through, dispatch_uid=f"touch_{name}")
