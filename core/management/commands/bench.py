"""Time the pages that must stay fast at scale; print a table and write bench/results.json.

Runs in-process with Django's test client against the database in DATABASE_URL (seeded by
seed_scale), so each number is server time: routing, queries, rendering."""

import json
import statistics
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import User
from situations.models import Situation

TARGETS_MS = {"dashboard": 500}


class Command(BaseCommand):
    help = "Benchmark the dashboard (and friends) on the seeded data set."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=30)
        parser.add_argument(
            "--output", default=str(Path(settings.BASE_DIR) / "bench" / "results.json")
        )

    def handle(self, *args, repeat, output, **options):
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        steering = User.objects.filter(role=User.Role.STEERING).first()
        client = Client()
        client.force_login(steering)
        today = timezone.localdate()
        cases = {
            "dashboard (10 years, all sites)": {
                "start": today - timedelta(days=3650),
                "end": today,
            },
            "dashboard (last 12 months)": {"start": today - timedelta(days=365), "end": today},
        }
        results = {"situations": Situation.objects.count(), "pages": {}}
        self.stdout.write(f"{'page':40} {'cold ms':>8} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
        for name, params in cases.items():
            cache.clear()
            cold_started = time.perf_counter()
            client.get("/dashboard/", params)
            cold = (time.perf_counter() - cold_started) * 1000
            timings = []
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = client.get("/dashboard/", params)
                    timings.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"{name}: HTTP {response.status_code}")
            timings.sort()
            p50 = statistics.median(timings)
            p95 = timings[max(0, int(round(0.95 * len(timings))) - 1)]
            results["pages"][name] = {
                "p50_ms": round(p50, 1),
                "p95_ms": round(p95, 1),
                "queries": len(queries),
                "target_p95_ms": TARGETS_MS["dashboard"],
                "met": p95 < TARGETS_MS["dashboard"],
            }
            self.stdout.write(f"{name:40} {cold:8.1f} {p50:8.1f} {p95:8.1f} {len(queries):8d}")
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_text(json.dumps(results, indent=2))
        self.stdout.write(f"Wrote {output}")
