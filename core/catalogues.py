"""The translation catalogues: compiled without GNU gettext, checked for completeness.

`compile_catalogues` writes every `.mo` with polib, so a machine with Python and nothing else
builds them (GNU msgfmt is not needed at run time; only `makemessages` needs GNU xgettext).
`problems` is what CI refuses: an untranslated or fuzzy message, a placeholder the translation
lost or invented, plural forms that do not match the language's header. `extraction_drift`
extracts the messages afresh into a scratch folder and compares them with the committed
catalogue, so a string wrapped in code but never extracted (or removed from code but still in
the catalogue) fails too.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess  # nosec B404 - GNU msgfmt on our own catalogues
import tempfile
from dataclasses import dataclass
from pathlib import Path

import polib
from django.conf import settings

# The options `make messages` and the drift check both extract with: locations are left out
# so a moved line does not rewrite the catalogue (and merge with other branches cleanly).
IGNORE = [".venv", "build", "tests", "node_modules", "var", "static"]
EXTENSIONS = ["html", "txt", "py"]
MAKEMESSAGES_OPTIONS = {
    "extensions": EXTENSIONS,
    "ignore_patterns": IGNORE,
    "no_location": True,
    "no_obsolete": True,
}

# %(name)s / %(n)d, %s / %d, {name} / {0}: what the code fills in must survive translation.
PLACEHOLDER = re.compile(
    r"%\([A-Za-z_][A-Za-z0-9_]*\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdif]|\{[A-Za-z0-9_]*\}"
)


def catalogue_files() -> list[Path]:
    return sorted(
        path for base in settings.LOCALE_PATHS for path in Path(base).glob("*/LC_MESSAGES/*.po")
    )


class CatalogueError(ValueError):
    pass


def _validate(po_path: Path) -> None:
    """GNU msgfmt's checks where it is installed (CI installs it): polib reads an unterminated
    string or a duplicate message without a word, and would compile a truncated translation."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        return
    # Our own catalogue, an argument list and no shell.
    checked = subprocess.run(  # noqa: S603  # nosec B603
        [msgfmt, "--check", "--output-file", os.devnull, str(po_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if checked.returncode != 0:
        raise CatalogueError(f"{po_path} does not compile:\n{checked.stderr}")


def compile_catalogues(force: bool = False) -> list[Path]:
    """Write the `.mo` beside each `.po` that is newer than it (or every one with `force`)."""
    written = []
    for po_path in catalogue_files():
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        _validate(po_path)
        try:
            catalogue = polib.pofile(str(po_path))
        except OSError as error:  # polib's word for a syntax error
            raise CatalogueError(f"{po_path} does not compile: {error}") from error
        # Only translated, non-fuzzy messages go in: a fuzzy guess is never shown.
        catalogue.save_as_mofile(str(mo_path))
        written.append(mo_path)
    return written


@dataclass(frozen=True)
class Problem:
    msgid: str
    what: str

    def __str__(self) -> str:
        return f"{self.what}: {self.msgid!r}"


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def _plural_count(catalogue: polib.POFile) -> int | None:
    match = re.search(r"nplurals\s*=\s*(\d+)", catalogue.metadata.get("Plural-Forms", ""))
    return int(match.group(1)) if match else None


def problems(po_path: Path | str) -> list[Problem]:
    """Everything that keeps the catalogue from being complete and safe to compile."""
    catalogue = polib.pofile(str(po_path))
    nplurals = _plural_count(catalogue)
    found = []
    if nplurals is None:
        found.append(Problem("", "no Plural-Forms in the header"))
    for entry in catalogue:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            found.append(Problem(entry.msgid, "fuzzy"))
        if entry.msgid_plural:
            forms = entry.msgstr_plural
            if nplurals is not None and len(forms) != nplurals:
                found.append(Problem(entry.msgid, f"{len(forms)} plural forms, not {nplurals}"))
            if not all(forms.values()):
                found.append(Problem(entry.msgid, "untranslated"))
                continue
            expected = _placeholders(entry.msgid_plural)
            for text in forms.values():
                # A form may drop the count (French "une heure"), never add or rename one.
                if not set(_placeholders(text)) <= set(expected) | set(_placeholders(entry.msgid)):
                    found.append(Problem(entry.msgid, "placeholders differ"))
                    break
            continue
        if not entry.msgstr:
            found.append(Problem(entry.msgid, "untranslated"))
        elif _placeholders(entry.msgstr) != _placeholders(entry.msgid):
            found.append(Problem(entry.msgid, "placeholders differ"))
    return found


def _keys(catalogue: polib.POFile) -> set[tuple[str, str, str]]:
    return {
        (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")
        for entry in catalogue
        if not entry.obsolete and entry.msgid
    }


def extracted(locale: str = "fr") -> set[tuple[str, str, str]]:
    """The messages `makemessages` finds in the code today, extracted into a scratch folder
    so the committed catalogue is never touched. Needs GNU xgettext, as `makemessages` does."""
    from django.core.management import call_command
    from django.core.management.commands.makemessages import Command as MakeMessages

    class IntoScratch(MakeMessages):
        # makemessages writes beside the nearest locale folder it knows (the committed one):
        # every file found is pointed at the scratch folder instead.
        def find_files(self, root):
            found = super().find_files(root)
            for translatable in found:
                translatable.locale_dir = str(fresh_dir)
            self.locale_paths = [str(fresh_dir)]
            return found

    with tempfile.TemporaryDirectory() as scratch:
        fresh_dir = Path(scratch) / "locale"
        fresh_dir.mkdir()
        with contextlib.chdir(settings.BASE_DIR):
            call_command(IntoScratch(), locale=[locale], verbosity=0, **MAKEMESSAGES_OPTIONS)
        return _keys(polib.pofile(str(fresh_dir / locale / "LC_MESSAGES" / "django.po")))


def drift(fresh: set, po_path: Path | str) -> tuple[set, set]:
    """(in the code but not the catalogue, in the catalogue but no longer in the code),
    ignoring the header and locations."""
    ours = _keys(polib.pofile(str(po_path)))
    return fresh - ours, ours - fresh


def extraction_drift(locale: str = "fr") -> tuple[set, set]:
    committed = Path(settings.LOCALE_PATHS[0]) / locale / "LC_MESSAGES" / "django.po"
    return drift(extracted(locale), committed)
