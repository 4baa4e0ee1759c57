"""`make bench`: the app under gunicorn with production settings, driven by wrk from another
process, on the database seed_scale filled. Prints a table and writes bench/results.json.

For each page: p50/p95 at 1 and at N concurrent connections (each sends its next request as
soon as the last one is answered: no think time, so N connections are harder than N people),
requests per second, queries per request (counted in-process on the same data), and the
page's floor (bench/floors.py) measured in the same run. Then the clock sweep (10,000 open
situations, 1,000 of them due) and the time a chair's decision takes to reach a follower's
screen through the agenda poll.
"""

import http.client
import json
import logging
import os
import random
import secrets
import shutil
import socket
import statistics
import subprocess  # nosec B404: runs gunicorn and wrk, fixed argument lists
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache, caches
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count, Q
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import Agency, Membership, Site, User
from core.models import Heartbeat
from core.security import LAST_ACTIVITY, STARTED
from dashboard.forms import closed_periods
from meetings.models import AgendaItem, Meeting
from reminders.services import SWEEP_HEARTBEAT
from situations.models import Situation, Status

ROOT = Path(settings.BASE_DIR)
BACKEND = "django.contrib.auth.backends.ModelBackend"
TARGETS = {
    "floor_ratio_p50": 3.0,
    "queries": 15,
    "p95_ms_concurrent": 300,
    "dashboard_p95_ms": 500,
    # Issue 19: the first view after a change anywhere, ten years and 150 tables of data.
    "dashboard_cold_ms": 500,
    "sweep_s": 2.0,
    # Issue 19: a decision on other screens within 1 s at worst, 300 ms at the median.
    "decision_s": 1.0,
    "decision_p50_s": 0.3,
}


@dataclass
class Page:
    name: str
    path: str
    user: User
    floor: str
    expect: int = 200
    result: dict = field(default_factory=dict)


class Command(BaseCommand):
    help = "Benchmark the pages a meeting and a province lean on (after seed_scale)."

    def add_arguments(self, parser):
        parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run")
        parser.add_argument("--concurrency", type=int, default=20)
        parser.add_argument(
            "--think-ms", type=int, default=1000, help="mean pause of a person between requests"
        )
        parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--decisions", type=int, default=8)
        parser.add_argument("--output", default=str(ROOT / "bench" / "results.json"))
        parser.add_argument(
            "--curve",
            action="store_true",
            help="pages only, one connection: a point of the cost curve (make bench-curve)",
        )

    def handle(self, *args, **options):
        name = str(connection.settings_dict["NAME"])
        if not name.endswith("_bench"):
            # It decides agenda items, adds 10,000 situations, sends a sweep's reminders and
            # empties the cache and the broker's queue: never on a database that matters.
            raise CommandError(
                f"The benchmark runs only on a scratch database whose name ends in _bench "
                f"(make bench makes one), not on {name!r}."
            )
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark runs on PostgreSQL (set DATABASE_URL).")
        self.wrk = shutil.which("wrk")
        if not self.wrk:
            raise CommandError("wrk is missing: apt-get install wrk (make bench does this).")
        self.options = options
        logging.getLogger("axes").setLevel(logging.WARNING)  # one "login" per page below
        self.secret = secrets.token_urlsafe(50)
        cache.clear()  # the bench's own Redis database: the first views below start cold
        pages = self._pages()
        self.stdout.write(f"Counting queries for {len(pages)} pages in-process…")
        for page in pages:
            page.result["queries"], page.result["first_ms"] = self._queries(
                page.path, page.user, page.expect, timed=True
            )
            page.result["floor_queries"] = self._queries(page.floor, page.user, page.expect)
        cookies = {user.pk: self._session(user) for user in {page.user for page in pages}}
        if options["curve"]:
            return self._curve(pages, cookies)
        with self._server() as base:
            year_page = next(page for page in pages if page.name.endswith("(fiscal year)"))
            dashboard = self._dashboard_cold(base, year_page, cookies[year_page.user.pk])
            for page in pages:
                # The clock's beat, as in production (every minute): without it a chair's
                # every page carries the banner that says reminders may be late, and reads
                # the heartbeat each time to see whether it can go.
                Heartbeat.beat(SWEEP_HEARTBEAT)
                cookie = cookies[page.user.pk]
                page.result.update(self._paired(base, page, cookie))
                concurrency = options["concurrency"]
                page.result["n"] = self._wrk(base + page.path, cookie, concurrency, page)
                page.result["floor_n"] = self._wrk(base + page.floor, cookie, concurrency, page)
                page.result["people"] = self._people(base + page.path, cookie, page)
                self._print_page(page)
            decision = self._decision_latency(base, pages[0], cookies)
        sweep = self._sweep()
        results = self._report(pages, sweep, decision)
        results["dashboard_cold"] = dashboard
        Path(options["output"]).parent.mkdir(parents=True, exist_ok=True)
        Path(options["output"]).write_text(json.dumps(results, indent=2) + "\n")
        self.stdout.write(f"Wrote {options['output']}")

    # ---- The cast and their pages --------------------------------------------------------

    def _pages(self) -> list[Page]:
        meeting = (
            Meeting.objects.filter(status=Meeting.Status.IN_PROGRESS)
            .select_related("site", "chair")
            .first()
        )
        if meeting is None:
            raise CommandError("No meeting in progress: run seed_scale on an empty database.")
        site, chair = meeting.site, meeting.chair
        steering = User.objects.filter(is_steering=True).first()
        # The situation with most to show that the chair's own agency leads.
        detail = (
            Situation.objects.filter(site=site, status=Status.OPEN, lead_agency=chair.agency_id)
            .annotate(n=Count("assisting_agencies", distinct=True) + Count("updates"))
            .order_by("-n", "reference")
            .first()
        ) or Situation.objects.filter(site=site, status=Status.OPEN).first()
        # A representative of the agency with the most open situations to answer for.
        busiest = (
            Agency.objects.filter(people__memberships__site=site)
            .distinct()
            .annotate(
                n=Count(
                    "led_situations", filter=Q(led_situations__status=Status.OPEN), distinct=True
                )
                + Count(
                    "assisted_situations",
                    filter=Q(assisted_situations__status=Status.OPEN),
                    distinct=True,
                )
            )
            .order_by("-n", "pk")
            .first()
        )
        representative = (
            User.objects.filter(agency=busiest, memberships__role=Membership.Role.REPRESENTATIVE)
            .order_by("pk")
            .first()
        )
        base_meeting = f"sites/{site.slug}/meetings/{meeting.key}/"
        # The steering committee reads closed periods only: the latest quarter (the page's
        # default) and the latest fiscal year.
        periods = closed_periods(timezone.localdate())
        _value, _label, quarter = periods["quarter"][0]
        year, _label, fiscal = periods["year"][0]
        self.fiscal = fiscal
        return [
            Page("meeting in progress", f"/{base_meeting}", chair, f"/bench-floor/{base_meeting}"),
            Page(
                "meeting poll (unchanged)",
                f"/{base_meeting}agenda/?since={meeting.revision}",
                representative,
                f"/bench-floor/{base_meeting}agenda/?since={meeting.revision}",
                expect=204,
            ),
            Page(
                "site situation list",
                f"/sites/{site.slug}/situations/",
                chair,
                f"/bench-floor/sites/{site.slug}/situations/",
            ),
            Page(
                "situation detail",
                f"/sites/{site.slug}/situations/{detail.reference}/",
                chair,
                f"/bench-floor/sites/{site.slug}/situations/{detail.reference}/",
            ),
            Page(
                "my agency's situations",
                "/my/situations/",
                representative,
                "/bench-floor/my/situations/",
            ),
            Page(
                "steering dashboard (quarter)",
                "/dashboard/",
                steering,
                f"/bench-floor/dashboard/?start={quarter.start}&end={quarter.end}",
            ),
            Page(
                "steering dashboard (fiscal year)",
                f"/dashboard/?kind=year&year={year}",
                steering,
                f"/bench-floor/dashboard/?start={fiscal.start}&end={fiscal.end}",
            ),
        ]

    # ---- Queries per request, in-process -----------------------------------------------------

    def _queries(self, path: str, user: User, expect: int, timed: bool = False):
        """Queries per request, counted in-process on a warm session, with nothing in the
        fragment cache (the worst case: every query a page can run). With `timed`, also the
        first request's time: the dashboard's figures computed from scratch (in-process,
        under the harness's own settings, so only a rough guide)."""
        client = Client()
        client.force_login(user, BACKEND)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = self._device(user).persistent_id
        session.save()
        with override_settings(ROOT_URLCONF="bench.urls", ALLOWED_HOSTS=["testserver"]):
            started = time.perf_counter()
            client.get(path)  # the first view of a session also records when it started
            first_ms = round((time.perf_counter() - started) * 1000, 1)
            caches["fragments"].clear()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
        if response.status_code != expect:
            raise CommandError(f"{path}: HTTP {response.status_code} in-process")
        return (len(queries), first_ms) if timed else len(queries)

    def _device(self, user: User) -> TOTPDevice:
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="bench", defaults={"confirmed": True}
        )
        return device

    def _session(self, user: User) -> str:
        """A signed-in session past its second factor, signed with the server's key."""
        now = time.time()
        with override_settings(SECRET_KEY=self.secret):
            store = SessionStore()
            store[SESSION_KEY] = str(user.pk)
            store[BACKEND_SESSION_KEY] = BACKEND
            store[HASH_SESSION_KEY] = user.get_session_auth_hash()
            store[DEVICE_ID_SESSION_KEY] = self._device(user).persistent_id
            store[STARTED] = now
            store[LAST_ACTIVITY] = now
            store.create()
        return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"

    # ---- The server and the load ---------------------------------------------------------

    @contextmanager
    def _server(self):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DEBUG": "0",
            "SECRET_KEY": self.secret,
            "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
            "LINKAGE_KEY": ",".join(settings.LINKAGE_KEYS),
            "EMAIL_HOST": "smtp.bench.invalid",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "VAR_DIR": "var/bench",
            "LOG_LEVEL": "WARNING",
        }
        python = sys.executable
        subprocess.run(  # noqa: S603  # nosec B603
            [python, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        port = self.options["port"]
        (ROOT / "var").mkdir(exist_ok=True)
        log = open(ROOT / "var" / "bench-gunicorn.log", "w")  # noqa: SIM115
        server = subprocess.Popen(  # noqa: S603  # nosec B603
            [
                str(Path(python).parent / "gunicorn"),
                "focus.wsgi",
                # As the Dockerfile runs it: tokens kept out of gunicorn's logs.
                "--config",
                str(ROOT / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(self.options["workers"]),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise CommandError(
                            "gunicorn did not start: see var/bench-gunicorn.log"
                        ) from None
                    time.sleep(0.2)
            yield f"http://127.0.0.1:{port}"
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()

    def _drained(self, url: str) -> None:
        """Wait until the server is idle again. When wrk stops, requests it had queued are
        still being served; the next run would otherwise wait behind them."""
        base = url.split("/", 3)[:3]
        healthz = "/".join(base) + "/healthz"
        deadline, quick = time.monotonic() + 30, 0
        while quick < 3 and time.monotonic() < deadline:
            started = time.perf_counter()
            _open(urllib.request.Request(healthz))  # noqa: S310
            quick = quick + 1 if time.perf_counter() - started < 0.02 else 0
            time.sleep(0.1)

    ROUNDS = 4

    def _paired(self, base: str, page: Page, cookie: str) -> dict:
        """The page and its floor at one connection, taking turns: ROUNDS short runs of each,
        so a moment when the machine is slow falls on both. This machine's speed drifts
        within minutes (one run measured the meeting page at 3.07x its floor and the next at
        1.76x, on the same code), and one long run of each let the drift decide a ratio. The
        ratio is the median of the rounds' ratios; p50 and p95 are the rounds' medians."""
        rounds = {"page": [], "floor": []}
        seconds = max(1, round(self.options["duration"] / self.ROUNDS))
        for n in range(self.ROUNDS):
            for kind, path in (("page", page.path), ("floor", page.floor)):
                rounds[kind].append(
                    self._wrk(base + path, cookie, 1, page, duration=seconds, warm=n == 0)
                )

        def merged(runs: list[dict]) -> dict:
            return {
                "p50_ms": round(statistics.median(run["p50_ms"] for run in runs), 1),
                "p95_ms": round(statistics.median(run["p95_ms"] for run in runs), 1),
                "p99_ms": round(statistics.median(run["p99_ms"] for run in runs), 1),
                "rps": round(statistics.median(run["rps"] for run in runs), 1),
                "requests": sum(run["requests"] for run in runs),
            }

        ratios = [
            one["p50_ms"] / floor["p50_ms"]
            for one, floor in zip(rounds["page"], rounds["floor"], strict=True)
        ]
        return {
            "1": merged(rounds["page"]),
            "floor_1": merged(rounds["floor"]),
            "ratio_1": statistics.median(ratios),
            "rounds": [
                [one["p50_ms"], floor["p50_ms"]]
                for one, floor in zip(rounds["page"], rounds["floor"], strict=True)
            ],
        }

    def _wrk(
        self,
        url: str,
        cookie: str,
        concurrency: int,
        page: Page,
        duration: int | None = None,
        warm: bool = True,
    ) -> dict:
        env = {**os.environ, "BENCH_COOKIE": cookie, "BENCH_EXPECT": str(page.expect)}
        script = str(ROOT / "bench" / "wrk.lua")
        threads = str(min(concurrency, 2))
        # A short warm-up fills each worker's caches and connections; then the measured run.
        measured = duration or self.options["duration"]
        for seconds in (2, measured) if warm else (measured,):
            run = subprocess.run(  # noqa: S603  # nosec B603
                [self.wrk, "-t", threads, "-c", str(concurrency), "-d", f"{seconds}s"]
                + ["--timeout", "10s", "-s", script, url],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            self._drained(url)
        line = [row for row in run.stdout.splitlines() if row.startswith("{")][-1]
        raw = json.loads(line)
        if raw["bad"] or raw["errors"]:
            raise CommandError(f"{url}: {raw['bad']} unexpected statuses, {raw['errors']} errors")
        return {
            "p50_ms": round(raw["p50_us"] / 1000, 1),
            "p95_ms": round(raw["p95_us"] / 1000, 1),
            "p99_ms": round(raw["p99_us"] / 1000, 1),
            "rps": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
            "requests": raw["requests"],
        }

    def _curve(self, pages, cookies) -> None:
        """One point of the cost curve: each page's queries and its p50 (and its floor's) at
        one connection, with the size of the data."""
        point = {
            "sites": Site.objects.count(),
            "situations": Situation.objects.count(),
            "pages": {},
        }
        with self._server() as base:
            for page in pages:
                cookie = cookies[page.user.pk]
                one = self._wrk(base + page.path, cookie, 1, page)
                floor = self._wrk(base + page.floor, cookie, 1, page)
                point["pages"][page.name] = {
                    "queries": page.result["queries"],
                    "p50_ms": one["p50_ms"],
                    "floor_p50_ms": floor["p50_ms"],
                }
                self.stdout.write(
                    f"{page.name:31} {page.result['queries']:3d} queries  "
                    f"p50 {one['p50_ms']:6.1f} ms  floor {floor['p50_ms']:6.1f} ms"
                )
        Path(self.options["output"]).parent.mkdir(parents=True, exist_ok=True)
        Path(self.options["output"]).write_text(json.dumps(point, indent=2) + "\n")
        self.stdout.write(f"Wrote {self.options['output']}")

    def _dashboard_cold(self, base: str, page: Page, cookie: str) -> dict:
        """The steering dashboard's slowest page (the fiscal year) as the committee meets it:
        with nothing computed (a new deployment), warm, and right after one situation at one
        site changed (the first view after any change anywhere), through the server."""

        def timed() -> float:
            started = time.perf_counter()
            # Nothing computed, a fiscal year of 150 tables is computed from every row.
            status = _get(base + page.path, cookie, htmx=False, timeout=120)
            if status != 200:
                raise CommandError(f"{page.path}: HTTP {status}")
            return round((time.perf_counter() - started) * 1000, 1)

        cache.clear()
        caches["rollups"].clear()
        _get(base + "/healthz", cookie, htmx=False, timeout=120)  # a worker up, imports done
        empty = timed()
        warm = timed()
        after = []
        # Situations the year counts, at five sites: each change makes cells stale.
        in_year = Situation.objects.filter(
            status=Status.CONCLUDED, concluded_on__range=(self.fiscal.start, self.fiscal.end)
        )
        for situation in in_year.order_by("?")[:5]:
            situation.save()  # what any service does to it: a new `updated_at`
            after.append(timed())
        result = {
            "path": page.path,
            "nothing_computed_ms": empty,
            "warm_ms": warm,
            "after_one_change_ms": sorted(after),
            "target_ms": TARGETS["dashboard_cold_ms"],
            "met": max(after) <= TARGETS["dashboard_cold_ms"],
        }
        self.stdout.write(
            f"steering dashboard (fiscal year): nothing computed {empty} ms, warm {warm} ms, "
            f"after one change {max(after)} ms at worst"
        )
        return result

    def _people(self, url: str, cookie: str, page: Page) -> dict:
        """N people on the page at once, each pausing 0.5-1.5 x think-ms between requests
        (a person reads before the next click; the agenda polls every second), starting at
        random moments rather than all in the same millisecond. Threads in this process:
        at about one request per person per second they cost the server's cores little."""
        n, think = self.options["concurrency"], self.options["think_ms"] / 1000
        self._drained(url)
        deadline = time.monotonic() + max(self.options["duration"], 15)
        latencies: list[float] = []
        failures: list[int] = []

        def person(seed: int) -> None:
            pause = random.Random(seed)  # nosec B311: spacing requests, not security
            time.sleep(pause.uniform(0, think))
            while time.monotonic() < deadline:
                started = time.perf_counter()
                status = _get(url, cookie, htmx=False)
                latencies.append(time.perf_counter() - started)
                if status != page.expect:
                    failures.append(status)
                time.sleep(pause.uniform(think / 2, think * 1.5))

        crowd = [threading.Thread(target=person, args=(seed,)) for seed in range(n)]
        for thread in crowd:
            thread.start()
        for thread in crowd:
            thread.join()
        if failures:
            raise CommandError(f"{url}: unexpected statuses {sorted(set(failures))}")
        latencies.sort()
        return {
            "p50_ms": round(statistics.median(latencies) * 1000, 1),
            "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))] * 1000, 1),
            "requests": len(latencies),
        }

    def _print_page(self, page: Page) -> None:
        r, n = page.result, self.options["concurrency"]
        self.stdout.write(
            f"{page.name:31} {r['queries']:3d} queries, p50 {r['1']['p50_ms']:.1f} ms "
            f"(floor {r['floor_1']['p50_ms']:.1f}), p95 {n} people {r['people']['p95_ms']:.1f} "
            f"ms, p95 {n} connections {r['n']['p95_ms']:.1f} ms"
        )

    # ---- A decision on another screen ----------------------------------------------------

    def _decision_latency(self, base: str, meeting_page: Page, cookies) -> dict:
        """The chair rejects new items one after another; a follower follows the agenda as the
        page does (a request that waits for the next change); each time is from the chair's
        request leaving to the follower holding the changed agenda."""
        meeting = Meeting.objects.get(status=Meeting.Status.IN_PROGRESS)
        chair = meeting.chair
        follower = (
            Membership.objects.filter(site=meeting.site)
            .exclude(user=chair)
            .select_related("user")
            .first()
            .user
        )
        follower_cookie = self._session(follower)
        items = list(
            AgendaItem.objects.filter(
                meeting=meeting, kind=AgendaItem.Kind.NEW, outcome=AgendaItem.Outcome.PENDING
            ).select_related("situation")[: self.options["decisions"]]
        )
        if not items:
            raise CommandError("No new item left to decide: seed again.")
        token = secrets.token_hex(16)  # an unmasked 32-character CSRF secret
        chair_headers = {
            "Cookie": f"{cookies[chair.pk]}; {settings.CSRF_COOKIE_NAME}={token}",
            "X-CSRFToken": token,
        }
        agenda = f"{base}/{meeting_page.path.strip('/')}/agenda/?since="
        times = []
        for n, item in enumerate(items):
            meeting.refresh_from_db()
            seen = threading.Event()
            state = {"revision": meeting.revision, "sent": None, "seen": None}

            poller = threading.Thread(
                target=_follow, args=(agenda, follower_cookie, state, seen), daemon=True
            )
            poller.start()
            time.sleep(0.37 * (n % 3))  # decisions land at different points of the poll cycle
            body = (
                f"action=reject&reject-version={item.version}&reject-rejection_reason=not_aer"
                # What the confirmation dialog adds when the chair says yes.
                "&confirmed=yes"
            ).encode()
            url = f"{base}/{meeting_page.path.strip('/')}/items/{item.situation.reference}/decide/"
            request = urllib.request.Request(  # noqa: S310
                url,
                data=body,
                headers={**chair_headers, "Content-Type": "application/x-www-form-urlencoded"},
            )
            state["sent"] = time.perf_counter()
            _open(request)
            if not seen.wait(timeout=10):
                raise CommandError("A decision never reached the follower's screen.")
            if not AgendaItem.objects.filter(pk=item.pk, outcome="rejected").exists():
                raise CommandError("The chair's decision was not recorded.")
            times.append(state["seen"] - state["sent"])
            poller.join(timeout=2)
        return {
            "decisions": len(times),
            "p50_s": round(statistics.median(times), 2),
            "max_s": round(max(times), 2),
            "follow": "long-polling on the meeting's revision (Redis pub/sub)",
        }

    # ---- The clock sweep -----------------------------------------------------------------

    def _sweep(self) -> dict:
        """Open situations to 10,000 in all, 1,000 of them past their first reminder rung with
        no reminder yet; then one real sweep (reminder rows, claims, Celery messages)."""
        from celery import current_app

        from reminders.models import Reminder
        from reminders.services import sweep

        open_now = Situation.objects.filter(status=Status.OPEN).count()
        wanted, due = 10_000, 1_000
        sites = list(Site.objects.order_by("pk"))
        leads = {}
        seats = Membership.objects.values_list("site_id", "user__agency_id").distinct()
        for site_id, agency_id in seats.order_by("site_id", "user__agency_id"):
            leads.setdefault(site_id, []).append(agency_id)
        now = timezone.now()
        rows = []
        for n in range(max(0, wanted - open_now)):
            site = sites[n % len(sites)]
            accepted = now - timedelta(hours=30 if n < due else 2)
            rows.append(
                Situation(
                    site=site,
                    reference=f"{site.code}-B{n:06d}",
                    status=Status.OPEN,
                    subject_type="person",
                    originating_agency_id=leads[site.pk][0],
                    lead_agency_id=leads[site.pk][n % len(leads[site.pk])],
                    narrative="Benchmark clock.",
                    submitted_at=accepted,
                    decided_at=accepted,
                    accepted_at=accepted,
                    response_due_at=accepted + timedelta(hours=site.response_window_hours),
                )
            )
        Situation.objects.bulk_create(rows, batch_size=5000)
        # As in production, where open clocks build up over weeks: the planner knows the
        # table (autovacuum), and the beat process holds a broker connection already.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE situations_situation")
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=3)
            current_app.amqp.producer_pool  # noqa: B018 (builds the pool sweep() will use)
        before = Reminder.objects.count()
        started = time.perf_counter()
        result = sweep()
        elapsed = time.perf_counter() - started
        with current_app.connection_for_write() as conn:
            purged = current_app.control.purge(connection=conn)
        return {
            "open": Situation.objects.filter(status=Status.OPEN).count(),
            "due": due,
            "reminders_created": Reminder.objects.count() - before,
            "enqueued": len(result.enqueued),
            "messages_purged": purged,
            "seconds": round(elapsed, 2),
        }

    # ---- Report --------------------------------------------------------------------------

    def _report(self, pages, sweep, decision) -> dict:
        n, think = self.options["concurrency"], self.options["think_ms"]
        out = {
            "when": timezone.now().isoformat(timespec="seconds"),
            "machine": f"{os.cpu_count()} cores",
            "server": (
                f"gunicorn, {self.options['workers']} workers of 8 threads (gunicorn.conf.py), "
                "production settings"
            ),
            "load": (
                f"wrk from another process, {self.options['duration']} s per run after a 2 s "
                f"warm-up: 1 connection (page and floor taking turns, {self.ROUNDS} runs of "
                f"each; the ratio is the median of the runs' ratios); {n} people (each pauses "
                f"{think // 2}-{think + think // 2} ms between requests); {n} connections "
                "with no pause"
            ),
            "data": {
                "sites": Site.objects.count(),
                "agencies": Agency.objects.count(),
                "people": User.objects.count(),
                "situations": Situation.objects.count(),
            },
            "targets": TARGETS,
            "pages": {},
            "sweep": {**sweep, "met": sweep["seconds"] < TARGETS["sweep_s"]},
            "decision": {
                **decision,
                "met": decision["max_s"] <= TARGETS["decision_s"]
                and decision["p50_s"] <= TARGETS["decision_p50_s"],
            },
        }
        self.stdout.write("")
        self.stdout.write(
            f"{'page':31} {'queries':>7} {'p50':>6} {'floor':>6} {'ratio':>5} "
            f"{'p95 ' + str(n) + 'p':>7} {'p50 ' + str(n) + 'c':>7} {'p95 ' + str(n) + 'c':>7} "
            f"{'rps':>6}  met"
        )
        for page in pages:
            r = page.result
            ratio = r["ratio_1"]
            limit = (
                TARGETS["dashboard_p95_ms"]
                if page.name.startswith("steering")
                else TARGETS["p95_ms_concurrent"]
            )
            checks = {
                "queries": r["queries"] <= TARGETS["queries"],
                "floor_ratio": ratio <= TARGETS["floor_ratio_p50"],
                "p95_people": r["people"]["p95_ms"] < limit,
            }
            out["pages"][page.name] = {
                "path": page.path,
                "queries": r["queries"],
                "floor_queries": r["floor_queries"],
                "first_request_in_process_ms": r["first_ms"],
                "one": r["1"],
                "floor_one": r["floor_1"],
                "ratio_p50": round(ratio, 2),
                "rounds_p50_ms": r["rounds"],
                "people": r["people"],
                "connections": r["n"],
                "floor_connections": r["floor_n"],
                "p95_target_ms": limit,
                "checks": checks,
                "met": all(checks.values()),
                # Not a target: the same number of connections with no pause at all.
                "connections_p95_under_target": r["n"]["p95_ms"] < limit,
            }
            self.stdout.write(
                f"{page.name:31} {r['queries']:7d} {r['1']['p50_ms']:6.1f} "
                f"{r['floor_1']['p50_ms']:6.1f} {ratio:5.2f} {r['people']['p95_ms']:7.1f} "
                f"{r['n']['p50_ms']:7.1f} {r['n']['p95_ms']:7.1f} {r['n']['rps']:6.1f}  "
                + (
                    "yes"
                    if all(checks.values())
                    else "NO: " + ", ".join(k for k, v in checks.items() if not v)
                )
            )
        self.stdout.write(
            f"(ms; p50 and floor with one connection; {n}p = {n} people pausing about "
            f"{think} ms; {n}c and rps = {n} connections with no pause)"
        )
        self.stdout.write(
            f"clock sweep: {sweep['open']} open, {sweep['due']} due -> "
            f"{sweep['reminders_created']} reminders, {sweep['enqueued']} enqueued in "
            f"{sweep['seconds']} s (target < {TARGETS['sweep_s']} s)"
        )
        self.stdout.write(
            f"decision on another screen: p50 {decision['p50_s']} s, max {decision['max_s']} s "
            f"over {decision['decisions']} decisions (targets: worst {TARGETS['decision_s']} s, "
            f"median {TARGETS['decision_p50_s']} s)"
        )
        return out


def _follow(agenda: str, cookie: str, state: dict, seen: threading.Event) -> None:
    """A participant's screen, as static/js/app.js follows the agenda: each request waits on
    the server for the next change (long-polling); asked again at once after a wait, or a
    second later when the server could not wait."""
    while not seen.is_set():
        request = urllib.request.Request(  # noqa: S310
            agenda + str(state["revision"]) + "&wait=1",
            headers={"Cookie": cookie, "HX-Request": "true"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310  # nosec B310
                response.read()
                status, again = response.status, response.headers.get("X-Follow-Again")
        except (OSError, http.client.HTTPException):
            # A dropped wait: the page asks again a second later, and so does this.
            status, again = None, None
        if status == 200 and state["sent"] is not None:
            state["seen"] = time.perf_counter()
            seen.set()
            return
        if again != "now":
            time.sleep(1)


def _get(url: str, cookie: str, htmx: bool = True, timeout: int = 10) -> int:
    headers = {"Cookie": cookie, **({"HX-Request": "true"} if htmx else {})}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    return _open(request, timeout)


def _open(request, timeout: int = 10) -> int:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310  # nosec B310
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        if exc.code in (301, 302, 303):
            return exc.code
        raise
