"""Dates, times, numbers and shares follow the reader's language; English reads as it did."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.template import Context, Template
from django.utils import translation

TORONTO = ZoneInfo("America/Toronto")
AFTERNOON = datetime(2026, 12, 2, 14, 30, tzinfo=TORONTO)
MORNING = datetime(2026, 12, 3, 9, 5, tzinfo=TORONTO)


def _render(source: str, language: str, **context) -> str:
    with translation.override(language):
        return Template(source).render(Context(context))


def test_french_dates_read_as_the_office_quebecois_writes_them():
    assert _render('{{ d|date:"DATETIME_FORMAT" }}', "fr", d=AFTERNOON) == "2 déc. 2026, 14 h 30"
    assert _render('{{ d|when:"WEEKDAY_TIME" }}', "fr", d=MORNING) == "jeu. 3 déc., 9 h 05"
    assert _render('{{ d|when:"LONG_DATE_TIME" }}', "fr", d=MORNING) == (
        "jeudi 3 décembre 2026 à 9 h 05"
    )
    assert _render('{{ d|when:"DAY_TIME" }}', "fr", d=AFTERNOON) == "2026-12-02 14 h 30"
    assert _render('{{ t|when:"CLOCK" }}', "fr", t=time(18, 0)) == "18 h 00"


def test_english_dates_read_as_they_did_before_translation():
    assert _render('{{ d|when:"WEEKDAY_TIME" }}', "en", d=MORNING) == "Thu 3 Dec, 09:05"
    assert _render('{{ d|when:"LONG_DATE" }}', "en", d=MORNING) == "Thursday 3 December 2026"
    assert _render('{{ d|when:"DAY_TIME" }}', "en", d=AFTERNOON) == "2026-12-02 14:30"
    assert _render('{{ t|when:"CLOCK" }}', "en", t=time(18, 0)) == "18:00"


def test_times_shown_in_toronto_whatever_the_zone_stored():
    utc = AFTERNOON.astimezone(ZoneInfo("UTC"))
    assert _render('{{ d|when:"DAY_TIME" }}', "en", d=utc) == "2026-12-02 14:30"


def test_figures_and_shares_use_the_readers_separators():
    from dashboard import metrics

    with translation.override("fr"):
        assert metrics._fmt(12.5, "heures", 40, suppressed=False) == "12,5 heures"
        assert metrics._share(2, 5, published=True) == "40\u00a0%"
    with translation.override("en"):
        assert metrics._fmt(12.5, "hours", 40, suppressed=False) == "12.5 hours"
        assert metrics._share(2, 5, published=True) == "40%"
