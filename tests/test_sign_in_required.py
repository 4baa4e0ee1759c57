import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Pages a person must reach before signing in; everything else redirects to sign-in.
PUBLIC = {
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "healthz",
    "readyz",
    # Prometheus cannot sign in: METRICS_TOKEN is the key (tests/test_metrics.py).
    "metrics",
    # A calendar program cannot sign in: the secret address is the key (tests/test_calendar.py).
    "calendar_feed",
    # Before signing in too: the language switch and how to report an accessibility problem
    # (tests/test_language.py).
    "set_language",
    "accessibility",
}


def _routes(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            yield entry.name or route, route


def _sample(route: str) -> str:
    path = re.sub(r"<uuid:\w+>", "00000000-0000-0000-0000-000000000000", route)
    path = re.sub(r"<(?:\w+:)?(\w+)>", "sample", path)
    return "/" + path.lstrip("^").rstrip("$")


ROUTES = sorted({(name, _sample(route)) for name, route in _routes(get_resolver().url_patterns)})


def test_the_route_list_is_not_empty():
    names = {name for name, _ in ROUTES}
    assert {"home", "people", "site_detail", "logout"} <= names


@pytest.mark.parametrize(("name", "path"), [r for r in ROUTES if r[0] not in PUBLIC])
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.django_db
def test_anonymous_visitor_is_sent_to_sign_in(client, name, path, method):
    response = getattr(client, method)(path)
    assert response.status_code == 302, (name, path)
    assert response["Location"].startswith("/accounts/login/?next="), (name, path)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/", "/admin/agencies/user/"])
def test_the_admin_also_sends_anonymous_visitors_to_our_sign_in(client, path):
    response = client.get(path, follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/accounts/password_reset/", "/healthz", "/accessibility/"]
)
def test_public_pages_answer_without_sign_in(client, path):
    assert client.get(path).status_code == 200
