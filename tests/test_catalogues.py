"""The French catalogue is complete, in step with the code, and compiles; the checks that say
so can fail (core/catalogues.py). Seeded list items each have a French entry."""

import gettext
import os
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

from core import catalogues

FRENCH = Path(settings.LOCALE_PATHS[0]) / "fr" / "LC_MESSAGES" / "django.po"


def _needs_xgettext():
    if shutil.which("xgettext") is None:
        if os.environ.get("CI"):
            pytest.fail("GNU gettext is required in CI (apt-get install gettext)")
        pytest.skip("makemessages needs GNU xgettext")


@pytest.fixture(scope="module")
def fresh():
    """One extraction of today's code, shared by the drift tests (it takes seconds)."""
    _needs_xgettext()
    return catalogues.extracted("fr")


@pytest.fixture
def scratch_copy(tmp_path):
    copy = tmp_path / "django.po"
    shutil.copy(FRENCH, copy)
    return copy


def test_every_french_message_is_translated_and_none_is_fuzzy():
    assert [str(p) for p in catalogues.problems(FRENCH)] == []
    catalogue = polib.pofile(str(FRENCH))
    assert catalogue.metadata["Plural-Forms"] == "nplurals=2; plural=(n > 1);"
    assert len(catalogue) > 1000


def test_the_catalogue_holds_every_string_of_the_code_and_no_other(fresh):
    missing, stale = catalogues.drift(fresh, FRENCH)
    assert missing == set(), "run `make messages` and translate what it lists"
    assert stale == set(), "run `make messages`: these strings left the code"


def test_the_drift_check_sees_a_string_added_without_extraction(fresh, scratch_copy):
    # A string wrapped in code but never extracted: the committed catalogue lacks it.
    catalogue = polib.pofile(str(scratch_copy))
    dropped = catalogue.find("Quarterly report")
    catalogue.remove(dropped)
    catalogue.append(polib.POEntry(msgid="Nobody wrote this in the code", msgstr="Personne"))
    catalogue.save()
    missing, stale = catalogues.drift(fresh, scratch_copy)
    assert missing == {("", "Quarterly report", "")}
    assert stale == {("", "Nobody wrote this in the code", "")}


def test_the_checker_reports_untranslated_fuzzy_and_broken_messages(scratch_copy):
    catalogue = polib.pofile(str(scratch_copy))
    catalogue.append(polib.POEntry(msgid="A string nobody translated", msgstr=""))
    catalogue.append(polib.POEntry(msgid="Guessed by msgmerge", msgstr="Deviné", flags=["fuzzy"]))
    catalogue.append(
        polib.POEntry(msgid="%(ref)s accepted twice.", msgstr="%(reference)s acceptée deux fois.")
    )
    catalogue.append(
        polib.POEntry(
            msgid="%(n)d apple",
            msgid_plural="%(n)d apples",
            msgstr_plural={0: "%(n)d pomme", 1: ""},
        )
    )
    catalogue.save()
    found = {(p.msgid, p.what) for p in catalogues.problems(scratch_copy)}
    assert found == {
        ("A string nobody translated", "untranslated"),
        ("Guessed by msgmerge", "fuzzy"),
        ("%(ref)s accepted twice.", "placeholders differ"),
        ("%(n)d apple", "untranslated"),
    }


def test_the_catalogue_compiles_without_gnu_gettext_and_reads_back(tmp_path, settings):
    locale_dir = tmp_path / "locale" / "fr" / "LC_MESSAGES"
    locale_dir.mkdir(parents=True)
    shutil.copy(FRENCH, locale_dir / "django.po")
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    written = catalogues.compile_catalogues(force=True)
    assert written == [locale_dir / "django.mo"]
    with open(locale_dir / "django.mo", "rb") as compiled:
        french = gettext.GNUTranslations(compiled)
    assert french.gettext("Agenda closes") == "Clôture de l'ordre du jour"
    assert french.ngettext("%(hours)s hour", "%(hours)s hours", 1) == "%(hours)s heure"
    assert french.ngettext("%(hours)s hour", "%(hours)s hours", 2) == "%(hours)s heures"
    # Up to date: nothing rewritten.
    assert catalogues.compile_catalogues() == []


def test_a_broken_catalogue_does_not_compile(tmp_path, settings):
    locale_dir = tmp_path / "locale" / "fr" / "LC_MESSAGES"
    locale_dir.mkdir(parents=True)
    po = locale_dir / "django.po"
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    po.write_text('msgid "Open"\nbogus "Ouvert"\n', encoding="utf-8")
    with pytest.raises(catalogues.CatalogueError):
        catalogues.compile_catalogues(force=True)
    # polib alone would compile this one as "Ouver": msgfmt's check refuses it.
    if shutil.which("msgfmt") is None:
        if os.environ.get("CI"):
            pytest.fail("GNU gettext is required in CI (apt-get install gettext)")
        return
    po.write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Open"\nmsgstr "Ouvert\n',
        encoding="utf-8",
    )
    with pytest.raises(catalogues.CatalogueError, match="end-of-line within string"):
        catalogues.compile_catalogues(force=True)
    assert not (locale_dir / "django.mo").exists()


# ---- the seeded lists ------------------------------------------------------------------


def _seeded_rows():
    from barriers.models import BarrierCategory
    from situations.models import (
        ConclusionReason,
        ProtectiveFactor,
        RiskCategory,
        RiskFactor,
        Service,
        StudyFlag,
    )

    models = [
        RiskCategory,
        RiskFactor,
        ProtectiveFactor,
        StudyFlag,
        Service,
        ConclusionReason,
        BarrierCategory,
    ]
    return [
        (model.__name__, name)
        for model in models
        for name in model.objects.values_list("name", flat=True)
    ]


@pytest.mark.django_db
def test_every_seeded_list_item_has_a_french_entry():
    """The rows the migrations seed (a later migration's too) and the names lists.py holds."""
    from barriers.lists import CATEGORIES
    from situations.lists import seeded_names

    catalogue = polib.pofile(str(FRENCH))
    translated = {e.msgid for e in catalogue.translated_entries()}
    rows = _seeded_rows()
    assert len(rows) > 120
    names = [("lists.py", name) for name in seeded_names() + CATEGORIES] + rows
    missing = [(where, name) for where, name in names if name not in translated]
    assert missing == [], "add these to the catalogue (make messages) and translate them"


@pytest.mark.django_db
def test_list_items_read_in_the_language_of_the_moment():
    from situations.models import ConclusionReason, RiskFactor

    reason = ConclusionReason.objects.get(name="Still AER — could not be located")
    factor = RiskFactor.objects.get(name="Facing eviction")
    with translation.override("fr"):
        assert str(reason) == "Toujours RAE — introuvable"
        assert str(factor) == "Logement\u00a0: Menace d'expulsion"
    with translation.override("en"):
        assert str(reason) == "Still AER — could not be located"
        assert factor.label == "Facing eviction"
    # A name an administrator typed has no entry and reads as typed.
    typed = ConclusionReason(name="Moved out of the province")
    with translation.override("fr"):
        assert typed.label == "Moved out of the province"


# ---- names the code gives that the catalogue must hold ---------------------------------


def test_every_audited_record_and_field_name_reads_in_french():
    """The audit pages show model and field names (core/templatetags/records.py): a derived
    English name needs an entry in its app's AUDIT_NAMES."""
    from auditlog.diff import track_field
    from auditlog.registry import auditlog
    from django.utils.functional import Promise

    from core.templatetags.records import plural_of

    translated = {e.msgid for e in polib.pofile(str(FRENCH)).translated_entries()}
    missing = []
    for model in auditlog.get_models():
        tracked = [f for f in model._meta.get_fields() if track_field(f)]
        names = [model._meta.verbose_name] + [f.verbose_name for f in tracked if f.concrete]
        plain = [str(n) for n in names if not isinstance(n, Promise)]
        with translation.override("en"):
            plain += [
                plural_of(f.related_model)
                for f in tracked
                if not f.concrete and not isinstance(f.related_model._meta.verbose_name, Promise)
            ]
        missing += [(model._meta.app_label, n) for n in plain if n not in translated]
    assert sorted(set(missing)) == []


def test_translation_functions_go_by_names_the_extraction_knows():
    """`gettext_lazy as _lazy` hid three strings from makemessages: xgettext knows `_`, the
    gettext family by their own names, and nothing else."""
    import re

    aliased = re.compile(
        r"from django\.utils\.translation import .*\b(\w*gettext\w*) as (?!_\b)(\w+)"
    )
    offenders = []
    for path in Path(settings.BASE_DIR).rglob("*.py"):
        if {".venv", "tests", "node_modules"} & set(path.parts):
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if aliased.search(line):
                offenders.append(f"{path.relative_to(settings.BASE_DIR)}: {line.strip()}")
    assert offenders == []
