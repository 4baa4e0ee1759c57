"""Recovery codes that the database does not hold in clear.

django-otp's static device keeps its tokens as plain text, so anyone who reads the table (a
superuser in the Django admin, a database operator, a backup) could use them; no maintained
plugin stores them hashed. This device keeps each code as a password hash (the project's
PASSWORD_HASHERS: Argon2, salted, compared in constant time by the hasher), the way GitLab and
Mastodon keep theirs. A code is shown once, when it is issued, and deleted when it is used.
"""

import re

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import models
from django_otp.models import Device, ThrottlingMixin, TimestampMixin

# Issued as 10 lower-case hex digits (40 bits). Anything else cannot be a code, so it is
# refused before any hash is computed: a mistyped 6-digit TOTP costs no Argon2 rounds.
CODE_SHAPE = re.compile(r"[0-9a-f]{10}")


def normalise(code: str) -> str:
    return "".join(code.split()).lower()


class RecoveryCodeDevice(TimestampMixin, ThrottlingMixin, Device):
    """A person's set of one-time recovery codes (at most one device each)."""

    class Meta:
        verbose_name = "recovery code set"

    def get_throttle_factor(self):
        return getattr(settings, "OTP_RECOVERY_THROTTLE_FACTOR", 1)

    def replace_codes(self, codes: list[str]) -> None:
        self.codes.all().delete()
        RecoveryCode.objects.bulk_create(
            [RecoveryCode(device=self, digest=make_password(code)) for code in codes]
        )

    def verify_token(self, token) -> bool:
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        token = normalise(str(token))
        match = None
        if CODE_SHAPE.fullmatch(token):
            # Every unused code is a candidate: the hashes are salted, so none can be looked up.
            match = next((c for c in self.codes.all() if check_password(token, c.digest)), None)
        if match is None:
            self.throttle_increment()
            return False
        match.delete()
        self.throttle_reset(commit=False)
        self.set_last_used_timestamp(commit=False)
        self.save()
        return True


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    # A password hash of the code (e.g. "argon2$argon2id$..."), never the code.
    digest = models.CharField(max_length=255)

    def __str__(self) -> str:
        return f"recovery code #{self.pk}"
