"""Compile the translation catalogues with polib: no GNU gettext needed (core/catalogues.py)."""

from django.core.management.base import BaseCommand

from core.catalogues import compile_catalogues


class Command(BaseCommand):
    help = "Write each locale's .mo from its .po (only those out of date, unless --force)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="rewrite every .mo")

    def handle(self, *args, force=False, **options):
        for path in compile_catalogues(force=force):
            self.stdout.write(f"compiled {path}")
