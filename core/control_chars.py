"""Control characters in a request's address are refused with a 400, before any view runs.

PostgreSQL cannot store or compare a text containing NUL: a NUL that reaches a query is a
ValueError, a 500, on any page that filters by what it was given (`/people/?q=%00`). No one
types a control character into a search box or an address, so rather than each view and
form guarding its own parameters, this one rule turns every such request away: the path and
every query parameter, names and values. Tab, line feed and carriage return are text and
pass (a pasted multi-line value); the rest of C0 and DEL do not.
"""

import re

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_characters(request: HttpRequest) -> bool:
    if CONTROL.search(request.path):
        return True
    return any(
        CONTROL.search(name) or any(CONTROL.search(value) for value in values)
        for name, values in request.GET.lists()
    )


class RefuseControlCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if has_control_characters(request):
            return HttpResponseBadRequest(
                _("The address contains characters that are not allowed."),
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
