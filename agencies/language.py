"""Each person's language: chosen once, used for everything the application shows or sends them.

The choice is a field on the person (blank: not chosen yet). Pages follow it once signed in
(PersonLanguageMiddleware, after Django's LocaleMiddleware, which reads the cookie and then
Accept-Language for everyone else). What is sent to a person, whoever caused it (a reminder
from the worker, an invitation, a PDF, their calendar), is built inside `speaking(person)`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import user_logged_in
from django.contrib.auth.decorators import login_not_required
from django.db.models import F
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.audit import acting
from core.http import safe_next

SUPPORTED = {code for code, _label in settings.LANGUAGES}


def language_of(person, default: str | None = None) -> str:
    """The language to address `person` in: theirs if chosen, else `default` (the page's
    language, in a request), else the site's."""
    chosen = getattr(person, "language", "") or ""
    if chosen in SUPPORTED:
        return chosen
    return default if default in SUPPORTED else settings.LANGUAGE_CODE


def speaking(person, default: str | None = None):
    """A context in which gettext, dates and numbers are in the person's language."""
    return translation.override(language_of(person, default))


def _fully_signed_in(user) -> bool:
    from access.policy import needs_second_factor

    if not getattr(user, "is_authenticated", False):
        return False
    return not needs_second_factor(user) or user.is_verified()


def remember(person, language: str) -> bool:
    """Save the person's choice; the audit trail records it as any change to the person.
    Returns whether anything changed."""
    if language not in SUPPORTED or person.language == language:
        return False
    with acting(person):
        person.language = language
        # A new version, so that an administrator's form opened before this (it shows the
        # language too) is refused as a concurrent edit instead of putting the old one back.
        person.version = F("version") + 1
        person.save(update_fields=["language", "version"])
        person.refresh_from_db(fields=["version"])
    return True


class PersonLanguageMiddleware:
    """A signed-in person's pages are in their chosen language on any browser; the language
    cookie follows the choice, so the sign-in page after signing out stays in it too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        chosen = getattr(user, "language", "") if getattr(user, "is_authenticated", False) else ""
        if chosen in SUPPORTED:
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        response = self.get_response(request)
        # Signing in happens inside the request: the person is known only now.
        user = getattr(request, "user", None)
        chosen = getattr(user, "language", "") if getattr(user, "is_authenticated", False) else ""
        if chosen in SUPPORTED and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != chosen:
            _set_cookie(response, chosen)
        return response


def _set_cookie(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


@receiver(user_logged_in)
def adopt_choice_made_before_sign_in(sender, request, user, **kwargs) -> None:
    """A language chosen on the sign-in page (the cookie) becomes the person's own, if they
    had not chosen one: their reminders and invitations then follow it too. This runs at the
    password step, before the second: unlike the switch, it only fills what is blank, and a
    language grants nothing."""
    if request is None or getattr(user, "language", None) != "":
        return
    language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if language in SUPPORTED:
        remember(user, language)


@login_not_required
@never_cache
@require_POST
def choose_language(request: HttpRequest) -> HttpResponse:
    """The language switch on every page, signed in or not. Signed in (past the second
    step), the choice is saved on the person; always, in the language cookie."""
    language = request.POST.get("language", "")
    response = HttpResponseRedirect(safe_next(request))
    if language not in SUPPORTED:
        return response
    if _fully_signed_in(request.user):
        remember(request.user, language)
    _set_cookie(response, language)
    return response
