"""Refuse an incomplete catalogue: untranslated, fuzzy, placeholders lost, strings not extracted.

`make messages` re-extracts and then runs this to list what needs translating; CI runs the
same checks as tests (tests/test_catalogues.py).
"""

import contextlib

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from core.catalogues import MAKEMESSAGES_OPTIONS, catalogue_files, extraction_drift, problems


class Command(BaseCommand):
    help = "Report every message that is untranslated, fuzzy or out of step with the code."

    def add_arguments(self, parser):
        parser.add_argument(
            "--update",
            action="store_true",
            help="first re-extract every language's catalogue in place (make messages)",
        )
        parser.add_argument(
            "--extraction",
            action="store_true",
            help="also extract afresh (needs GNU xgettext) and compare with the catalogue",
        )

    def handle(self, *args, update=False, extraction=False, **options):
        if update:
            locales = [path.parent.parent.name for path in catalogue_files()]
            with contextlib.chdir(settings.BASE_DIR):
                call_command("makemessages", locale=locales, verbosity=0, **MAKEMESSAGES_OPTIONS)
        failures = 0
        for path in catalogue_files():
            found = problems(path)
            failures += len(found)
            for problem in found:
                self.stdout.write(f"{path}: {problem}")
            if extraction:
                locale = path.parent.parent.name
                missing, stale = extraction_drift(locale)
                failures += len(missing) + len(stale)
                for key in sorted(missing):
                    self.stdout.write(f"{path}: not extracted: {key[1]!r}")
                for key in sorted(stale):
                    self.stdout.write(f"{path}: no longer in the code: {key[1]!r}")
        if failures:
            raise CommandError(f"{failures} catalogue problem(s)")
        self.stdout.write("catalogues complete")
