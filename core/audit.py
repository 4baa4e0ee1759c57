import contextlib

from auditlog.context import auditlog_value, set_actor


def redact(value: str) -> str:
    """Mask for audit diffs: nothing of the value survives, not even its length."""
    return "[redacted]"


@contextlib.contextmanager
def acting(person):
    """Audit what follows as done by `person` (a service acting for them, or a task), keeping
    the client address the request's audit middleware recorded: auditlog's own set_actor
    would replace it with none."""
    try:
        current = auditlog_value.get()
    except LookupError:
        current = {}
    with set_actor(
        person, remote_addr=current.get("remote_addr"), remote_port=current.get("remote_port")
    ):
        yield
