"""Optimistic locking: an edit names the version it started from; a stale one is refused."""

from django.db import models

from .errors import ConcurrentEdit

__all__ = ["ConcurrentEdit", "VersionedModel"]


class VersionedModel(models.Model):
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

    def claim_version(self, expected: int) -> None:
        """Bump the stored version if it is still `expected`, else raise ConcurrentEdit.

        The conditional UPDATE is the lock: of two editors starting from the same version, the
        database lets exactly one through.
        """
        updated = (
            type(self)
            ._default_manager.filter(pk=self.pk, version=expected)
            .update(version=models.F("version") + 1)
        )
        if not updated:
            raise ConcurrentEdit
        self.version = expected + 1
