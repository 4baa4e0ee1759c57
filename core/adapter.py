"""The one place domain errors become what a person sees.

- NotFound is a 404, always (the middleware turns one that a view let through into the same
  404, so a view that forgets a check still leaks nothing).
- WrongState and ConcurrentEdit are a message: on the form being submitted if there is one,
  otherwise on the page the person is sent back to. A view that let one through answers 409.
- ValidationError (bad input) goes on the form, or into a message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from .errors import DomainError, NotFound


class Failed:
    """What `attempt` returns when the step did not happen (falsy)."""

    def __bool__(self) -> bool:
        return False


FAILED = Failed()


def attempt(
    request: HttpRequest,
    step: Callable[[], Any],
    *,
    form=None,
    success: str | None = None,
):
    """Run one service call for a view. Returns its result (or True for None), or FAILED after
    putting the reason where the person will read it."""
    try:
        result = step()
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        _tell(request, form, str(exc.message))
        return FAILED
    except ValidationError as exc:
        if form is not None:
            form.add_error(None, exc)
        else:
            messages.error(request, " ".join(exc.messages))
        return FAILED
    if success:
        messages.success(request, success)
    return True if result is None else result


def _tell(request, form, message: str) -> None:
    if form is not None:
        form.add_error(None, message)
    else:
        messages.error(request, message)


class DomainErrorMiddleware:
    """Domain errors a view did not handle: NotFound as 404, the rest as 409 with the reason."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, NotFound):
            raise Http404 from exception
        if isinstance(exception, DomainError):
            return render(request, "conflict.html", {"message": exception.message}, status=409)
        return None
