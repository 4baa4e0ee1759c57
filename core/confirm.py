"""Steps that cannot be undone ask first.

The question is a native <dialog> in the page (templates/includes/confirm_dialog.html, opened
by static/js/app.js: focus stays in it, Escape cancels). The server does not rely on it: a
step that needs confirmation acts only when the request says `confirmed=yes`, and otherwise
answers with the same question as a page (for a browser without scripts, or a replayed form).
"""

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

FIELD = "confirmed"


@dataclass(frozen=True)
class Confirmation:
    key: str  # the dialog's id in the page
    title: str
    consequence: str
    confirm_label: str


def confirmed(request: HttpRequest) -> bool:
    return request.POST.get(FIELD) == "yes"


def ask(request: HttpRequest, confirmation: Confirmation, back: str) -> HttpResponse:
    """The question as a page, carrying what was posted so that confirming loses nothing."""
    fields = [
        (name, value)
        for name in request.POST
        if name not in ("csrfmiddlewaretoken", FIELD)
        for value in request.POST.getlist(name)
    ]
    return render(
        request,
        "confirm.html",
        {"confirmation": confirmation, "fields": fields, "action": request.path, "back": back},
    )
