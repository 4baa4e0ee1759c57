"""Production settings (focus.settings with DEBUG off) plus the floor views' URLs."""

from focus.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
