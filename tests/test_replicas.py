"""Many replicas, one truth (docs/operations.md, "Scaling out").

Two gunicorn servers, as the Dockerfile runs them with production settings, on two ports,
one PostgreSQL and one Redis, as two web replicas behind one proxy: the test plays the
proxy (one host name, X-Forwarded-Proto and -For, from an address TRUSTED_PROXIES names).
A chair signs in on one and decides; a member signed in on the other follows the agenda;
each session works on both. Then two Celery workers sweep and deliver the same reminders at
once, and each reminder goes out exactly once.
"""

import http.cookies
import os
import re
import signal
import subprocess  # nosec B404: starts this project's own servers on the loopback address
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD, make_situation
from tests.test_access_logs import dockerfile_command, free_port

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent
HOST = "focus.test"  # the one name both replicas answer to, behind the proxy
SECRET = "replica-test-secret-key-shared-by-every-replica-0123456789abcdef"  # noqa: S105


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _environment(var: Path, **extra) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "SECRET_KEY": SECRET,
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "LINKAGE_KEY": ",".join(settings.LINKAGE_KEYS),
        "VAR_DIR": str(var),
        "LOG_LEVEL": "INFO",
        **extra,
    }


def _wait_for(predicate, seconds=60, what="it") -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


@contextmanager
def _process(command, env, log: Path):
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603  # nosec B603
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            yield process
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _web(tmp_path: Path, stack: ExitStack, name: str) -> str:
    """A replica: gunicorn as the Dockerfile runs it, DEBUG off, behind 'the proxy'."""
    port = free_port()
    command = dockerfile_command()
    command[0] = str(Path(sys.executable).parent / "gunicorn")
    command[command.index("--bind") + 1] = f"127.0.0.1:{port}"
    command[command.index("--workers") + 1] = "2"
    command.append("--no-control-socket")
    env = _environment(
        tmp_path / "var",
        DEBUG="0",
        ALLOWED_HOSTS=HOST,
        TRUSTED_PROXIES="127.0.0.1",
        EMAIL_HOST="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
    )
    process = stack.enter_context(_process(command, env, tmp_path / f"{name}.log"))

    def up() -> bool:
        if process.poll() is not None:
            pytest.fail((tmp_path / f"{name}.log").read_text())
        try:
            return Browser(f"http://127.0.0.1:{port}").get("/healthz")[0] == 200
        except OSError:
            return False

    _wait_for(up, what=f"gunicorn {name}")
    return f"http://127.0.0.1:{port}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A person's browser behind the TLS proxy: cookies kept by hand (they are Secure, and
    this leg is plain HTTP from the proxy to the replica), the proxy's headers added."""

    def __init__(self, base: str, cookies: dict | None = None):
        self.base, self.cookies = base, cookies if cookies is not None else {}
        self.opener = urllib.request.build_opener(_NoRedirect)

    def on(self, base: str) -> "Browser":
        """The same browser, its next request load-balanced to another replica."""
        return Browser(base, self.cookies)

    def request(self, path, data=None, headers=None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)  # noqa: S310
        request.add_header("Host", HOST)
        request.add_header("X-Forwarded-Proto", "https")
        request.add_header("X-Forwarded-For", "203.0.113.7")
        request.add_header("Referer", f"https://{HOST}{path}")
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            response = self.opener.open(request, timeout=30)
        except urllib.error.HTTPError as exc:
            response = exc
        for header in response.headers.get_all("Set-Cookie") or []:
            jar = http.cookies.SimpleCookie(header)
            for key, morsel in jar.items():
                self.cookies[key] = morsel.value
        return response.status, response.read().decode(), response.headers

    def get(self, path, **params):
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        return self.request(path + query)

    def post(self, path, data, form_page=None):
        _, page, _ = self.get(form_page or path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        return self.request(path, {**data, "csrfmiddlewaretoken": token})

    def sign_in(self, user, device) -> None:
        status, _, headers = self.post(
            "/accounts/login/", {"username": user.username, "password": PASSWORD}
        )
        assert status == 302, "password refused"
        code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
        status, _, headers = self.post("/accounts/mfa/verify/", {"code": f"{code:06d}"})
        assert status == 302 and "/accounts/" not in headers["Location"], "code refused"


def _device(user):
    """The person's authenticator; and their password hashed as production hashes it (the
    tests' fast hasher is one the replicas do not accept)."""
    from django.contrib.auth.hashers import Argon2PasswordHasher

    hasher = Argon2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt())
    user.save(update_fields=["password"])
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def test_two_replicas_share_sessions_and_a_meeting(cast, tmp_path):
    from meetings import services as meetings
    from meetings.models import AgendaItem
    from situations import services

    situation = services.submit(cast.alice, make_situation(cast))
    meeting = meetings.ensure_next_meeting(cast.rex)
    meetings.start(cast.carol, meeting, move_to_today=True)
    meeting.refresh_from_db()
    devices = {user.pk: _device(user) for user in (cast.carol, cast.erin)}
    subprocess.run(  # noqa: S603 - the static files production serves, once for both
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=_environment(tmp_path / "var", DEBUG="0", EMAIL_HOST="127.0.0.1"),
        check=True,
    )
    with ExitStack() as stack:
        a, b = _web(tmp_path, stack, "web-a"), _web(tmp_path, stack, "web-b")
        chair, member = Browser(a), Browser(b)
        chair.sign_in(cast.carol, devices[cast.carol.pk])
        member.sign_in(cast.erin, devices[cast.erin.pk])
        # Each session, made on one replica, is valid on the other.
        for browser, other in ((chair, b), (member, a)):
            status, page, _ = browser.on(other).get("/")
            assert status == 200 and 'action="/accounts/logout/"' in page

        agenda = f"/sites/rex/meetings/{meeting.key}/agenda/"
        revision = str(meeting.revision)
        assert member.get(agenda, since=revision)[0] == 204  # nothing has changed yet
        item = meeting.items.get(situation=situation)
        decide = f"/sites/rex/meetings/{meeting.key}/items/{situation.reference}/decide/"
        status, _, _ = chair.post(
            decide,
            {
                "action": "accept",
                "accept-version": item.version,
                "accept-lead_agency": cast.bob.agency_id,
                "accept-consent": "obtained",
            },
            form_page=f"/sites/rex/meetings/{meeting.key}/live/",
        )
        assert status == 302
        # The member's next poll, answered by the other replica, has the decision.
        status, fragment, _ = member.get(agenda, since=revision)
        assert status == 200
        assert f'id="item-{situation.reference}"' in fragment
        assert 'data-outcome="accepted"' in fragment
        assert AgendaItem.objects.get(pk=item.pk).outcome == "accepted"

    # The sign-ins are recorded at the client's address the proxy passed, not the proxy's.
    from axes.models import AccessLog

    assert set(AccessLog.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    logs = (tmp_path / "web-a.log").read_text() + (tmp_path / "web-b.log").read_text()
    assert '"logger": "gunicorn.access"' in logs  # JSON lines, with DEBUG off


def test_two_workers_send_each_reminder_once(cast, tmp_path):
    from datetime import timedelta

    from django.utils import timezone

    from agencies.models import Agency
    from focus.celery import app as celery_app
    from reminders.models import Reminder
    from reminders.tasks import sweep_clocks
    from situations import services

    lead = Agency.objects.get(short_name="CAC")
    for _ in range(15):
        services.accept(
            cast.carol,
            services.submit(cast.alice, make_situation(cast)),
            services.Assignment(lead=lead),
            "obtained",
            at=timezone.now() - timedelta(hours=50),
        )
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge(celery_app.conf.task_default_queue)
    # DEBUG on for the workers only: emails are printed, so each one sent can be counted.
    env = _environment(tmp_path / "var", DEBUG="1", LOG_FORMAT="plain")
    env.pop("EMAIL_HOST", None)
    celery = str(Path(sys.executable).parent / "celery")
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    with ExitStack() as stack:
        for n, log in enumerate(logs, 1):
            command = [celery, "-A", "focus", "worker", "--concurrency=2", "-n", f"w{n}@%h"]
            stack.enter_context(_process(command, env, log))
        _wait_for(lambda: all("ready." in log.read_text() for log in logs), what="both workers")
        for _ in range(6):  # sweeps racing each other on both workers
            sweep_clocks.delay()
        expected = 15 * 4  # lead, chair and overdue (lead and chair) for each situation

        def all_sent() -> bool:
            return Reminder.objects.filter(sent_at__isnull=False).count() >= expected

        _wait_for(all_sent, seconds=90, what="every reminder sent")
        time.sleep(2)  # anything sent twice would be printed by now
        output = "".join(log.read_text() for log in logs)
    assert Reminder.objects.count() == expected
    assert set(Reminder.objects.values_list("attempts", flat=True)) == {1}
    assert output.count("\nSubject: ") == expected
    assert all("succeeded" in log.read_text() for log in logs), "a worker did nothing"
