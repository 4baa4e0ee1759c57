"""Every page, in French, as each person who may see it: no English interface text is left.

The route list and the cast are the permission matrices' (test_permission_matrix.py and
test_situation_permissions.py), so a new page is walked here as soon as it has a row there.
Each page is fetched in French with the Django test client (the language cookie). Two checks,
on the text a reader meets (text nodes, and the labels assistive technology reads: aria-label,
title, alt, placeholder, button values), scripts and styles left out:

- a fragment that is exactly an English msgid whose French differs: a translated string that
  reached the page untranslated (a lazy string evaluated too early, a cache shared across
  languages, a string the extraction missed...);
- a fragment with a word that is no French the application knows (the words of our French
  catalogue and of Django's), once the people's own data is taken out of it (names,
  references, narratives: every string stored in the database): a string never wrapped for
  translation. English words French shares ("situation", "Total") pass; the first check
  catches those when they are whole messages.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests import test_permission_matrix as pages
from tests import test_situation_permissions as situation_pages
from tests.factories import UserFactory
from tests.test_permission_matrix import world  # noqa: F401 (the matrix's fixture)

FRENCH = Path(settings.LOCALE_PATHS[0]) / "fr" / "LC_MESSAGES" / "django.po"

LABEL_ATTRIBUTES = {"aria-label", "title", "alt", "placeholder"}
SKIPPED = {"script", "style", "template"}
WORD = re.compile(r"[^\W\d_]{2,}")


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.fragments: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED:
            self._skipping += 1
        attributes = dict(attrs)
        for name in LABEL_ATTRIBUTES & attributes.keys():
            self._add(attributes[name])
        if tag == "input" and attributes.get("type") in {"submit", "button"}:
            self._add(attributes.get("value"))

    def handle_endtag(self, tag):
        if tag in SKIPPED and self._skipping:
            self._skipping -= 1

    def handle_data(self, data):
        if not self._skipping:
            self._add(data)

    def _add(self, text):
        text = " ".join((text or "").split())
        if WORD.search(text):
            self.fragments.append(text)


def fragments(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.fragments


def _catalogue():
    """(English msgids whose French differs, msgids French writes the same, French words)."""
    english, same, french_words = set(), set(), set()
    for entry in polib.pofile(str(FRENCH)):
        pairs = [(entry.msgid, entry.msgstr)]
        if entry.msgid_plural:
            pairs = [
                (entry.msgid, entry.msgstr_plural[0]),
                (entry.msgid_plural, entry.msgstr_plural[1]),
            ]
        for msgid, msgstr in pairs:
            (same if msgid == msgstr else english).add(" ".join(msgid.split()))
            french_words.update(word.lower() for word in WORD.findall(msgstr))
    # Django's own French: month and day names, its form errors.
    with translation.override("fr"):
        django_french = translation.trans_real.translation("fr")._catalog
    for _msgid, msgstr in django_french.items():
        french_words.update(word.lower() for word in WORD.findall(str(msgstr)))
    return english - same, same, french_words


def _stored_strings() -> re.Pattern:
    """Every text the database holds (what people typed, what the cast was given), as one
    pattern of whole words, longest first, for taking out of a fragment before it is judged."""
    from situations.models import ListItem, RiskFactor

    found = set()
    for model in apps.get_models():
        if issubclass(model, ListItem) or model is RiskFactor:
            continue  # the seeded lists are the interface's to translate, not people's data
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField)) and not f.choices
        ]
        if not fields:
            continue
        for row in model._base_manager.values_list(*fields):
            found.update(" ".join(str(v).split()) for v in row if v)
    values = sorted((v for v in found if WORD.search(v)), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, values)) + r")(?!\w)")


# A label cut short to fit ("Capacité d'hébergement et de refu…") ends in no whole word; an
# authenticator key to type (base32) is no language either.
CUT_SHORT = re.compile(r"[^\W\d_]+…|\b[A-Z2-7]{16,}\b")


def _english_left(text: str, stored: re.Pattern, french_words: set[str]) -> list[str]:
    """The words of a fragment that are neither people's data nor French."""
    text = CUT_SHORT.sub(" ", stored.sub(" ", text))
    return [w for w in WORD.findall(text) if w.lower() not in french_words]


def _routes(world):  # noqa: F811
    """(name, url, who, method, data) for every page the matrices say someone may read."""
    story = world["story"]
    for name, method, allowed, ok, kwargs_for, state in pages.MATRIX:
        if ok in (200, 400):
            data = pages.POST_DATA.get(name, {})
            data = data(world) if callable(data) else data
            url = pages._url(name, kwargs_for, world)
            for who in sorted(allowed):
                yield state, name, url, who, method, data
    for name, state, method, allowed, ok in situation_pages.MATRIX:
        if ok == 200:
            situation = getattr(story, state) if state not in (None, "dashboard") else state
            url = situation_pages.url_for(name, situation)
            for who in sorted(allowed):
                yield None, name, url, who, method, {}


def _every_list_on_show(story):
    """The open and concluded situations carry an item of each seeded list, so the pages
    show them (the cast's situations have risk factors only)."""
    from situations.models import ProtectiveFactor, Service, StudyFlag

    for situation in (story.open, story.concluded):
        situation.protective_factors.set(ProtectiveFactor.objects.all()[:2])
        situation.study_flags.set(StudyFlag.objects.all()[:2])
        situation.services_mobilized.set(Service.objects.all()[:2])


def _fetch(client, method, url, data, language="fr"):
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if method == "get":
        return client.get(url)
    return client.post(url, data)


def judge(html: str, catalogue, stored: re.Pattern) -> list[tuple[str, str]]:
    """What on the page is English: (which check, the fragment)."""
    untranslated, same_in_both, french_words = catalogue
    found = []
    for text in fragments(html):
        if text in untranslated:
            found.append(("an English msgid", text))
        elif text not in same_in_both and _english_left(text, stored, french_words):
            found.append(("not French", text))
    return found


def _check(response, name, catalogue, stored, found):
    assert response.status_code in (200, 400), (name, response.status_code)
    if "html" not in response.get("Content-Type", ""):
        return  # CSV and spreadsheets: docs/exports.md
    assert response.headers.get("Content-Language") == "fr", name
    for kind, text in judge(response.content.decode(), catalogue, stored):
        found.setdefault((kind, text), set()).add(name)


# Before sign-in, and the second step of it (tests/test_sign_in.py walks the flow itself).
SIGN_IN_PAGES = ["login", "password_reset", "password_reset_done", "password_reset_complete"]


@pytest.mark.django_db
def test_every_page_in_french_for_everyone_who_may_read_it(client, cast, world):  # noqa: F811
    catalogue = _catalogue()
    _every_list_on_show(world["story"])
    routes = sorted(_routes(world), key=lambda route: route[0] is not None)  # "running" last
    found = {}
    stored = _stored_strings()
    for name in SIGN_IN_PAGES:  # a first visit: the browser's Accept-Language decides
        browser = Client(headers={"accept-language": "fr-CA,fr;q=0.9,en;q=0.5"})
        _check(_fetch(browser, "get", reverse(name), {}, None), name, catalogue, stored, found)
    running = False
    for state, name, url, who, method, data in routes:
        if state == "running" and not running:
            pages._bring(world, cast, "running")
            stored, running = _stored_strings(), True
        client.force_login(getattr(cast, who))
        _check(_fetch(client, method, url, data), name, catalogue, stored, found)
    halfway = Client()  # signed in, the second step not yet set up
    halfway.force_login(UserFactory(username="newcomer", agency=None, is_steering=True))
    _check(_fetch(halfway, "get", reverse("mfa_setup"), {}), "mfa_setup", catalogue, stored, found)
    report = "\n".join(
        f"{kind}: {text!r} on {sorted(where)}" for (kind, text), where in sorted(found.items())
    )
    assert found == {}, report


@pytest.mark.django_db
def test_the_walk_sees_english_left_on_a_page():
    """The checks can fail: an untranslated message and a string never wrapped are both found;
    French, people's data, scripts and a label cut short are not."""
    catalogue = _catalogue()
    stored = re.compile(r"(?<!\w)(?:Crisis Outreach Mental Health|REX-2026-014)(?!\w)")
    page = (
        "<main><h1>Quarterly report</h1><p>Rapport trimestriel</p>"
        "<p>Crisis Outreach Mental Health · REX-2026-014</p>"
        '<button aria-label="Move the item up">↑</button>'
        "<p>Capacité d'hébergement et de refu…</p><p>Total</p>"
        "<script>const notShown = 'Some words';</script></main>"
    )
    assert judge(page, catalogue, stored) == [
        ("an English msgid", "Quarterly report"),
        ("not French", "Move the item up"),
    ]
