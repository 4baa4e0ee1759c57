import django.dispatch

# Sent inside the transaction that gives a situation a first successful contact (it had none).
# Receivers: the reminders app stops whatever is still queued.
first_contact_made = django.dispatch.Signal()

# Sent inside the transaction that deletes or corrects the last successful contact: the clock
# runs again. Receivers: the reminders app makes its reminders about it current again.
clock_reopened = django.dispatch.Signal()

# Sent inside the transaction of every lifecycle step (`event`: "submitted", "withdrawn",
# "accepted", "rejected", "concluded") and of every change an agenda shows ("record",
# "reassigned", "update"). Situations know no meeting (docs/design.md §3): the
# meetings app listens, and keeps the next agenda in step.
situation_changed = django.dispatch.Signal()

# Sent inside the transaction of `save_person` with the identity as typed (`identity`: the
# services' Identity, or None when the person has none), so repeat detection can make its
# keys from it in memory; nothing else receives the cleartext, and receivers store none of it.
identity_saved = django.dispatch.Signal()

# Sent by the retention sweep (`now`): whatever else has a retention period (the linkage
# keys' repeat window) is purged by the same beat task.
retention_swept = django.dispatch.Signal()
