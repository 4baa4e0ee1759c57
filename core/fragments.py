"""Rendered parts of pages, kept a minute for everyone who would see the same (issue 19).

They live in the web process's own memory (`caches["fragments"]`, focus/settings.py), never
in Redis or on disk: they carry the table's free text. A caller's key parts must name
everything the HTML depends on besides the language and the minute, which are added here; the
minute also bounds how long a change the parts do not name (a renamed agency, a clock counting
down) can go unseen. A caller reaches a fragment only after the gate has found its object for
the viewer, and names the viewer's rights among the parts (`rights`), never the viewer.
"""

import hashlib
from collections.abc import Callable

from django.core.cache import caches
from django.utils import timezone
from django.utils.translation import get_language

fragments = caches["fragments"]


def cached(render: Callable[[], str], *parts) -> str:
    """The HTML `render()` returns, rendered once a minute per key."""
    minute = int(timezone.now().timestamp() // 60)
    key = ":".join(str(part) for part in (*parts, get_language(), minute))
    html = fragments.get(key)
    if html is None:
        html = render()
        fragments.set(key, html)
    return html


def digest(values) -> str:
    """A short fixed-length stand-in for a list of values in a key."""
    return hashlib.sha256(",".join(map(str, values)).encode()).hexdigest()[:16]


def rights(can: dict[str, bool]) -> str:
    """What a viewer may do, as a key part: the same for everyone with the same rights."""
    return digest(sorted(name for name, allowed in can.items() if allowed))
