"""Move every recovery code django-otp's static device held in clear into the hashed device,
then delete the clear copies. Reversing it cannot restore a code from its hash: people whose
codes are lost that way get new ones when an administrator resets their two-step sign-in."""

from django.contrib.auth.hashers import make_password
from django.db import migrations


def hash_static_tokens(apps, schema_editor):
    StaticDevice = apps.get_model("otp_static", "StaticDevice")
    RecoveryCodeDevice = apps.get_model("access", "RecoveryCodeDevice")
    RecoveryCode = apps.get_model("access", "RecoveryCode")
    for static in StaticDevice.objects.all():
        device = RecoveryCodeDevice.objects.create(
            user_id=static.user_id,
            name=static.name,
            confirmed=static.confirmed,
            throttling_failure_timestamp=static.throttling_failure_timestamp,
            throttling_failure_count=static.throttling_failure_count,
            last_used_at=static.last_used_at,
        )
        RecoveryCode.objects.bulk_create(
            [
                RecoveryCode(device=device, digest=make_password(token.token.lower()))
                for token in static.token_set.all()
            ]
        )
        static.delete()  # its tokens go with it (CASCADE)


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0001_recovery_codes"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(hash_static_tokens, migrations.RunPython.noop)]
