"""Repeat detection follows the situation services through their signals: situations know
nothing of linkage (docs/architecture.md)."""

from django.dispatch import receiver

from situations.signals import identity_saved, retention_swept, situation_changed

from . import services


@receiver(identity_saved, dispatch_uid="linkage_keys_on_identity")
def _keys(sender, situation, person, identity, **kwargs):
    services.store_keys(situation, person, identity)
    services.refresh_candidates(situation)


@receiver(situation_changed, dispatch_uid="linkage_keys_follow_lifecycle")
def _lifecycle(sender, situation, event, **kwargs):
    if event in ("rejected", "withdrawn"):
        services.delete_keys(situation)
    elif event == "concluded":
        services.set_expiry(situation)
    elif event == "submitted":
        services.refresh_candidates(situation)


@receiver(retention_swept, dispatch_uid="linkage_keys_expire")
def _expire(sender, now, **kwargs):
    services.purge_expired_keys(now)
