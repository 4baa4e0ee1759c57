"""What a web process loads before it serves anything (focus/wsgi.py).

Django loads lazily: the URLconf and every view module on the first request, each template
the first time it is rendered, each language's catalogue the first time it is active. In a
gunicorn worker all of that fell on the first person to reach it after a deploy or a restart,
and the committee's first fiscal-year page paid SciPy's import (core/disclosure.py) and its
templates' compilation, a second or more, in each worker. Here each worker pays it at boot.
"""

from pathlib import Path

from django.conf import settings
from django.template import engines
from django.urls import get_resolver
from django.utils import translation


def _template_names(directory: Path) -> list[str]:
    return sorted(
        str(path.relative_to(directory)) for path in directory.rglob("*.html") if path.is_file()
    )


def warm() -> int:
    """Load the URLconf (and so every view and what it imports), compile the project's own
    templates into the cached loader, and read every language's catalogue. Returns how many
    templates it compiled."""
    len(get_resolver().url_patterns)  # reading it imports every view module
    for code, _name in settings.LANGUAGES:
        translation.trans_real.translation(code)
    engine = engines["django"].engine
    # A template that does not compile stops the process here, not a person's request later.
    names = [name for directory in engine.dirs for name in _template_names(Path(directory))]
    for name in names:
        engine.get_template(name)
    return len(names)
