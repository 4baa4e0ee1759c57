"""The questions asked before the chair's steps that cannot be undone (core/confirm.py)."""

from django.utils.translation import gettext_lazy as _

from core.confirm import Confirmation

REJECT = Confirmation(
    key="confirm-reject",
    title=_("Reject this situation?"),
    consequence=_(
        "The table decides acutely elevated risk is not met. Every identifying detail, the "
        "affected persons, the risk factors and the narrative are deleted now and cannot be "
        "recovered; only minimal data is kept."
    ),
    confirm_label=_("Reject and delete the details"),
)

CONCLUDE = Confirmation(
    key="confirm-conclude",
    title=_("Conclude this situation?"),
    consequence=_(
        "The situation leaves the table's agenda and no agency can log a response any more. "
        "Identifying details are kept only until the site's retention period ends, then purged."
    ),
    confirm_label=_("Conclude"),
)
