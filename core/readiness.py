"""Checks that /readyz runs besides its own (database, broker, heartbeats).

Core knows no domain app, so each app registers what it wants watched from its AppConfig's
ready(): a function that returns None when all is well, else a short description of the
problem (never a URL, a name or any case content: /readyz answers anyone).
"""

from collections.abc import Callable

Check = Callable[[], "str | None"]

_checks: dict[str, Check] = {}


def register(name: str, check: Check) -> None:
    _checks[name] = check


def registered() -> dict[str, Check]:
    return dict(_checks)
