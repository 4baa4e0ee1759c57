"""Audit entries in the reader's language: `{{ entry.content_type|record_type }}` and
`{{ entry|changed_fields }}`. A builtin of the template engine (focus/settings.py).

A verbose name given with gettext_lazy translates itself. One that Django derived from a class
or field name ("barrier link", "created at") is plain English: it is read through the
catalogue, where each app's audit module lists it (`AUDIT_NAMES`, with gettext_noop).
tests/test_catalogues.py fails when an audited model or field has neither.
"""

from auditlog.models import LogEntry
from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop

register = template.Library()

# auditlog's own names for its actions: auditlog ships no French, our catalogue does.
ACTION_NAMES = [gettext_noop("create"), gettext_noop("update"), gettext_noop("delete")]
ACTION_NAMES += [gettext_noop("access")]


def name_of(name) -> str:
    return str(name) if isinstance(name, Promise) else gettext(name)


def plural_of(model) -> str:
    # Django makes a plural of a derived name lazily ("barrier links"), but not translated.
    plural = str(model._meta.verbose_name_plural)
    return plural if isinstance(model._meta.verbose_name, Promise) else gettext(plural)


@register.filter
def record_type(content_type) -> str:
    model = content_type.model_class() if content_type else None
    if model is None:
        return content_type.model if content_type else ""
    return name_of(model._meta.verbose_name)


@register.filter
def changed_fields(entry) -> str:
    if entry.action == LogEntry.Action.ACCESS:
        # What was seen, stored in English by situations.audit.log_access.
        what = (entry.additional_data or {}).get("accessed", "")
        return gettext(what) if what else ""
    model = entry.content_type.model_class() if entry.content_type else None
    labels = []
    for key in entry.changes_dict:
        try:
            field = model._meta.get_field(key)
        except (AttributeError, FieldDoesNotExist):
            labels.append(key)
            continue
        if field.auto_created and not field.concrete:
            # The other side of a relation (a situation's "updates"): the related records' name.
            labels.append(plural_of(field.related_model))
        else:
            labels.append(name_of(field.verbose_name))
    return ", ".join(labels)
