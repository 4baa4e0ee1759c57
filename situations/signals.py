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
