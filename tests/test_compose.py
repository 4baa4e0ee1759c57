"""docker-compose.yml, checked without a container engine (CI has none).

Each service's command must name something that exists here (a management command, the
Celery app, the WSGI module and gunicorn's config file, a file it mounts), every variable
the application is given or the operator is asked for must be documented in the README,
there must be exactly one beat, and only the proxy may say who the client is. Each check is
also shown failing on a copy of the file with the fault planted.
"""

import copy
import importlib.util
import json
import re
import shlex
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"


def _load() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _documented() -> set[str]:
    """Every `NAME` the README's tables document."""
    names = set()
    for line in (ROOT / "README.md").read_text().splitlines():
        if line.startswith("|"):
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", line))
    return names


def _image_command() -> list[str]:
    line = next(
        line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("CMD")
    )
    return json.loads(line.removeprefix("CMD").strip())


def _command(service: dict) -> list[str] | None:
    command = service.get("command")
    if command is None:
        return _image_command() if "build" in service else None
    return shlex.split(command) if isinstance(command, str) else list(command)


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # its package does not exist either
        return False


def _command_problems(name: str, command: list[str]) -> list[str]:
    program, args = command[0], command[1:]
    if program == "python" and args[:1] == ["manage.py"]:
        if len(args) < 2 or args[1] not in get_commands():
            return [f"{name}: manage.py has no command {args[1:2]}"]
        return []
    if program == "celery":
        app = args[args.index("-A") + 1] if "-A" in args else None
        if app is None or not _module_exists(f"{app}.celery"):
            return [f"{name}: no Celery app {app!r}"]
        if not {"worker", "beat"} & set(args):
            return [f"{name}: celery needs worker or beat"]
        return []
    if program == "gunicorn":
        problems = []
        module = args[0].split(":")[0]
        if not _module_exists(module):
            problems.append(f"{name}: no module {module}")
        if "--config" in args and not (ROOT / args[args.index("--config") + 1]).is_file():
            problems.append(f"{name}: no gunicorn config {args[args.index('--config') + 1]}")
        return problems
    return [f"{name}: an application service runs an unknown program {program!r}"]


def _runs_beat(command: list[str] | None) -> bool:
    if not command or command[0] != "celery":
        return False
    return "beat" in command or "--beat" in command or "-B" in command


def problems(compose: dict) -> list[str]:
    found = []
    documented = _documented()
    services = compose["services"]
    for name, service in services.items():
        command = _command(service)
        if "build" in service:
            found += _command_problems(name, command)
            for variable in service.get("environment", {}):
                if variable not in documented:
                    found.append(f"{name}: {variable} is not documented in the README")
        elif "image" not in service:
            found.append(f"{name}: neither an image nor a build")
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith(".") and not (ROOT / source).exists():
                found.append(f"{name}: mounts {source}, which does not exist")
    asked = re.findall(r"\$\{([A-Z][A-Z0-9_]*)", yaml.safe_dump(compose))
    found += [f"${{{v}}} is not documented in the README" for v in asked if v not in documented]

    beats = [name for name, service in services.items() if _runs_beat(_command(service))]
    if len(beats) != 1:
        found.append(f"{len(beats)} beats ({', '.join(beats) or 'none'}): exactly one")
    for name in beats:
        if services[name].get("deploy", {}).get("replicas", 1) != 1:
            found.append(f"{name}: a beat with more than one replica")

    proxies = [
        (name, service)
        for name, service in services.items()
        if "build" not in service and any(str(p).endswith(":443") for p in service.get("ports", []))
    ]
    if len(proxies) != 1:
        found.append("exactly one service (the TLS proxy) publishes port 443")
    else:
        proxy_name, proxy = proxies[0]
        addresses = {
            network.get("ipv4_address")
            for network in (proxy.get("networks") or {}).values()
            if isinstance(network, dict)
        }
        for name, service in services.items():
            if "build" not in service:
                continue
            if service.get("ports"):
                found.append(f"{name}: publishes a port; only {proxy_name} may be reached")
            trusted = str(service.get("environment", {}).get("TRUSTED_PROXIES", ""))
            if {t.strip() for t in trusted.split(",") if t.strip()} - addresses:
                found.append(f"{name}: TRUSTED_PROXIES names more than the proxy")
    return found


def test_the_compose_file_is_consistent():
    compose = _load()
    assert problems(compose) == []
    services = compose["services"]
    assert services["web"]["deploy"]["replicas"] == 2
    assert services["worker"]["deploy"]["replicas"] == 2


def _planted(change) -> list[str]:
    compose = copy.deepcopy(_load())
    change(compose["services"])
    return problems(compose)


@pytest.mark.parametrize(
    ("fault", "change", "expected"),
    [
        (
            "a second beat",
            lambda s: s.update(beat2=copy.deepcopy(s["beat"])),
            "2 beats (beat, beat2): exactly one",
        ),
        (
            "a worker that also beats",
            lambda s: s["worker"].update(command=["celery", "-A", "focus", "worker", "--beat"]),
            "2 beats (worker, beat): exactly one",
        ),
        (
            "two beat replicas",
            lambda s: s["beat"].update(deploy={"replicas": 2}),
            "beat: a beat with more than one replica",
        ),
        ("no beat", lambda s: s.pop("beat"), "0 beats (none): exactly one"),
        (
            "a management command that does not exist",
            lambda s: s["migrate"].update(command=["python", "manage.py", "migrat"]),
            "migrate: manage.py has no command ['migrat']",
        ),
        (
            "a Celery app that does not exist",
            lambda s: s["worker"].update(command=["celery", "-A", "fokus", "worker"]),
            "worker: no Celery app 'fokus'",
        ),
        (
            "a WSGI module that does not exist",
            lambda s: s["web"].update(
                command=["gunicorn", "focus.wsgii", "--config", "gunicorn.conf.py"]
            ),
            "web: no module focus.wsgii",
        ),
        (
            "a variable the README does not document",
            lambda s: s["web"].setdefault("environment", {}).update(FOCUS_SECRET_MODE="1"),
            "web: FOCUS_SECRET_MODE is not documented in the README",
        ),
        (
            "a mounted file that does not exist",
            lambda s: s["proxy"]["volumes"].append("./deploy/missing.conf:/etc/x:ro"),
            "proxy: mounts ./deploy/missing.conf, which does not exist",
        ),
        (
            "a replica reachable around the proxy",
            lambda s: s["web"].update(ports=["8000:8000"]),
            "web: publishes a port; only proxy may be reached",
        ),
        (
            "X-Forwarded-For trusted from the whole network",
            lambda s: s["web"]["environment"].update(TRUSTED_PROXIES="172.28.0.0/24"),
            "web: TRUSTED_PROXIES names more than the proxy",
        ),
    ],
)
def test_each_check_fails_on_its_fault(fault, change, expected):
    assert expected in _planted(change), fault
