"""What services raise when they cannot do what was asked, in the domain's words.

Views never translate these one by one: `core.adapter` turns each into what the person sees
(a 404, a message on the form or the page), and its middleware catches any a view let through.
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    default_message = _("That could not be done.")

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(self.message)


class NotFound(DomainError):
    """Not there, or not the person's to see or act on: the same answer, so that asking
    cannot tell the two apart (404)."""

    default_message = _("Not found.")


class WrongState(DomainError):
    """Allowed, but not in the state the object is in now (someone else may have acted)."""

    default_message = _(
        "This has changed since you opened it, so that step is no longer possible. "
        "Reload the page to see where it stands."
    )


class ConcurrentEdit(DomainError):
    """An edit started from a version someone else has since replaced."""

    default_message = _(
        "Someone else saved a change while you were editing. Nothing you typed was lost, but "
        "nothing was saved either: review the current values and save again."
    )
