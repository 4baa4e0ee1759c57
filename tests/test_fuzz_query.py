"""Arbitrary text and bytes, NUL included, in every GET parameter of every page, as every
role: a 4xx or a page, never a 500 (issue 14, "Done when").

The pages are every GET route of the permission matrices (which name every route). The
parameters are found, not listed by hand: every name the code reads from request.GET, and
every field of each GET form on the pages as each role sees them."""

import re
from pathlib import Path
from urllib.parse import quote, quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import test_permission_matrix as site_matrix
from tests import test_situation_permissions as situation_matrix
from tests.test_permission_matrix import world  # noqa: F401 - the matrices' fixture

ROOT = Path(__file__).resolve().parent.parent
READ_IN_CODE = re.compile(r"request\.GET(?:\.get|\.getlist)?\(?\[?\"(\w+)\"")
GET_FORM = re.compile(r'<form[^>]*method="get"[^>]*>(.*?)</form>', re.S | re.I)
FIELD_NAME = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', re.I)

# Values people type by mistake and attackers type on purpose; hypothesis adds the rest.
AWKWARD = [
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "-1",
    "99999999999999999999999",
    "1e309",
    "%",
    "'; DROP TABLE x; --",
    "../../etc/passwd",
    "\ud7ff\ufffd",
    "\u202e",
    "x" * 5000,
]


def _names_in_code() -> set[str]:
    names = set()
    for folder in ("core", "access", "agencies", "situations", "meetings", "reminders"):
        names |= _scan(ROOT / folder)
    for folder in ("barriers", "dashboard", "privacy", "focus"):
        names |= _scan(ROOT / folder)
    return names


def _scan(folder: Path) -> set[str]:
    found = set()
    for path in folder.rglob("*.py"):
        found |= set(READ_IN_CODE.findall(path.read_text()))
    return found


# Every GET route of the two matrices, in the states they list.
PAGES = [
    pytest.param(("site", row), id=f"{row[0]}") for row in site_matrix.MATRIX if row[1] == "get"
] + [
    pytest.param(("situation", row), id=f"{row[0]}-{row[1]}")
    for row in situation_matrix.MATRIX
    if row[2] == "get"
]


def _url(scene, page) -> str | None:
    matrix, row = page
    if matrix == "site":
        name, _method, _allowed, _ok, kwargs_for, state = row
        if state is not None:
            return None  # the test starts the meeting first
        return site_matrix._url(name, kwargs_for, scene)
    name, state = row[0], row[1]
    target = getattr(scene["story"], state) if state and state != "dashboard" else state
    return situation_matrix.url_for(name, target)


def _parameters(client, cast, url) -> list[str]:
    """What the code reads from request.GET, and each GET form's fields on the page as each
    role sees it."""
    names = _names_in_code()
    for who in site_matrix.EVERYONE:
        client.force_login(getattr(cast, who))
        response = client.get(url)
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            for form in GET_FORM.findall(response.content.decode()):
                names.update(FIELD_NAME.findall(form))
    return sorted(names)


def _encoded(value) -> str:
    if isinstance(value, bytes):
        return quote_from_bytes(value)
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


values = st.one_of(
    st.sampled_from(AWKWARD),
    st.text(max_size=40),
    st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=8),
    st.binary(max_size=24),
)


@pytest.mark.parametrize("page", PAGES)
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_get_parameter_makes_any_page_answer_500(client, cast, world, page, data):  # noqa: F811
    if page[0] == "site" and page[1][5] == "running":
        from meetings import services as meetings
        from meetings.models import Meeting

        if world["next"].status == Meeting.Status.SCHEDULED:
            meetings.start(cast.carol, world["next"], move_to_today=True)
        world["next"].refresh_from_db()
        url = site_matrix._url(page[1][0], page[1][4], world)
    else:
        url = _url(world, page)
    key = ("names", page[1][0])
    names = world.get(key) or _parameters(client, cast, url)
    world[key] = names
    # Mostly those who get the page (the others get a 404 before any parameter is read).
    allowed = sorted(page[1][2] if page[0] == "site" else page[1][3]) or site_matrix.EVERYONE
    who = data.draw(
        st.one_of(st.sampled_from(allowed), st.sampled_from(site_matrix.EVERYONE)), label="who"
    )
    # Every parameter at once, each with its own value.
    query = "&".join(f"{quote(name)}={_encoded(data.draw(values, label=name))}" for name in names)
    client.force_login(getattr(cast, who))
    response = client.get(f"{url}?{query}")
    assert response.status_code < 500, (who, url, query, response.status_code)
