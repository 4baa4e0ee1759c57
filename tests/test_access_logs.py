"""Reset and invitation tokens never reach a log (issue 13, "tokens kept out of access logs").

The finding replayed: a reset link's path, /accounts/reset/<uidb64>/<token>/, was printed by
gunicorn's access log, by runserver's request log and by Django's "Not Found" warning. Each
server is started here for real, as it is started elsewhere (gunicorn from the Dockerfile's
own command), and asked for such a link.
"""

import json
import os
import re
import socket
import subprocess  # nosec B404: starts this project's own servers on the loopback address
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from core.logs import redact

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "cz9k1q-0f4e8d2c6b1a9e7d5c3b1a0f9e8d7c6b"  # the shape of Django's reset tokens
UID = "zQzcdqXk"  # decodes to no person's id, so the page answers without a query
LINK = f"/accounts/reset/{UID}/{TOKEN}/"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, **headers) -> int:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310  # nosec B310
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def serve_and_read_logs(command: list[str], port: int, tmp_path: Path) -> str:
    """Start the server, follow a reset link (and a mistyped one, which Django logs as Not
    Found), stop it, and return all it printed."""
    env = {
        **os.environ,
        "DEBUG": "1",
        # No query is needed for these pages; a scratch file keeps the test databases out.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'scratch.sqlite3'}",
        "VAR_DIR": str(tmp_path / "var"),
        "LOG_LEVEL": "INFO",
    }
    env.pop("REDIS_URL", None)
    log = tmp_path / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(  # noqa: S603  # nosec B603
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"the server did not start:\n{log.read_text()}")
                    time.sleep(0.2)
            base = f"http://127.0.0.1:{port}"
            assert fetch(base + LINK, Referer=base + LINK) == 200
            assert fetch(base + LINK + "mistyped/") == 404
            time.sleep(0.5)  # let the access lines be flushed
        finally:
            server.terminate()
            server.wait(timeout=30)
    return log.read_text()


def dockerfile_command() -> list[str]:
    cmd = next(
        line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("CMD")
    )
    return json.loads(cmd.removeprefix("CMD").strip())


def test_gunicorn_as_the_dockerfile_runs_it_logs_no_token(tmp_path):
    port = free_port()
    command = dockerfile_command()
    assert command[0] == "gunicorn"
    command[0] = str(Path(sys.executable).parent / "gunicorn")
    command[command.index("--bind") + 1] = f"127.0.0.1:{port}"
    command[command.index("--workers") + 1] = "1"
    command.append("--no-control-socket")
    output = serve_and_read_logs(command, port, tmp_path)
    assert TOKEN not in output and UID not in output
    # The lines are there, redacted: gunicorn's access log and Django's warning.
    assert re.search(r'"GET /accounts/reset/\[redacted\]/ HTTP/1.1" 200', output), output
    assert "Not Found: /accounts/reset/[redacted]/" in output, output


def test_runserver_logs_no_token(tmp_path):
    port = free_port()
    command = [
        sys.executable,
        "manage.py",
        "runserver",
        "--noreload",
        "--skip-checks",
        f"127.0.0.1:{port}",
    ]
    output = serve_and_read_logs(command, port, tmp_path)
    assert TOKEN not in output and UID not in output
    assert '"GET /accounts/reset/[redacted]/ HTTP/1.1" 200' in output, output
    assert "Not Found: /accounts/reset/[redacted]/" in output, output


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (f"GET {LINK} HTTP/1.1", "GET /accounts/reset/[redacted]/ HTTP/1.1"),
        (
            f"GET /accounts/reset/{UID}/set-password/ HTTP/1.1",
            "GET /accounts/reset/[redacted]/ HTTP/1.1",
        ),
        # Slashes encoded in a raw request line, or the link inside another URL's query.
        (f"GET /accounts/reset/{UID}%2F{TOKEN}%2F", "GET /accounts/reset/[redacted]/"),
        (
            f"GET /accounts/login/?next=%2Faccounts%2Freset%2F{UID}%2F{TOKEN}%2F&x=1",
            "GET /accounts/login/?next=%2Faccounts%2Freset%2F[redacted]/&x=1",
        ),
        # The resolver's message in a traceback has no leading slash.
        (f"'path': 'accounts/reset/{UID}/{TOKEN}/x/'", "'path': 'accounts/reset/[redacted]/'"),
        # Nothing secret: left alone.
        ("GET /accounts/reset/done/ HTTP/1.1", "GET /accounts/reset/done/ HTTP/1.1"),
        ("GET /accounts/password_reset/ HTTP/1.1", "GET /accounts/password_reset/ HTTP/1.1"),
        ("GET /sites/rex/situations/ HTTP/1.1", "GET /sites/rex/situations/ HTTP/1.1"),
    ],
)
def test_what_redaction_changes(line, expected):
    assert redact(line) == expected
