from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data set. It seeds every app, so it sits above them all (docs/architecture.md)."""

    name = "demo"
    verbose_name = "Demo data"
