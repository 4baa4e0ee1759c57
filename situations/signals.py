import django.dispatch

# Sent inside the transaction that records a situation's first successful contact.
# Receivers: the reminders app stops whatever is still queued.
first_contact_made = django.dispatch.Signal()
