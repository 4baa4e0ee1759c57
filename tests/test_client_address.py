"""The client's address is the one TRUSTED_PROXIES vouches for (issue 13, "Trusted client
addresses").

The findings replayed first: the audit trail recorded an X-Forwarded-For header as the client
sent it, and behind the TLS proxy django-axes saw every person as the proxy, so anyone could
lock a chair out. Then the rules of core/client_address.py one by one.
"""

import os
import subprocess  # nosec B404: runs this project's own settings in a child process
import sys

import pytest
from auditlog.models import LogEntry
from django.test import Client, RequestFactory

from core.client_address import client_address
from tests.conftest import PASSWORD

PROXY = "10.0.0.2"
ATTACKER = "203.0.113.66"
CHAIR = "198.51.100.7"


def sign_in(client, username, password=PASSWORD, **headers):
    return client.post("/accounts/login/", {"username": username, "password": password}, **headers)


def locked(response) -> bool:
    return "Too many attempts" in response.content.decode()


def export_and_read_audit(client, user, **headers) -> LogEntry:
    client.force_login(user)
    assert client.get("/sites/rex/export.csv", **headers).status_code == 200
    return LogEntry.objects.filter(actor=user, action=LogEntry.Action.ACCESS).latest("timestamp")


# ---- The findings, replayed --------------------------------------------------------------------


def test_a_forged_header_from_a_direct_client_is_not_recorded_in_the_audit_trail(client, cast):
    entry = export_and_read_audit(
        client,
        cast.carol,
        REMOTE_ADDR=ATTACKER,
        HTTP_X_FORWARDED_FOR=CHAIR,
        HTTP_X_FORWARDED_PORT="4444",
    )
    assert entry.remote_addr == ATTACKER
    assert entry.remote_port is None


def test_through_the_proxy_a_forged_header_cannot_lock_another_person_out(cast, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    # The attacker writes the chair's address; the proxy appends the one it really saw.
    attacker = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{CHAIR}, {ATTACKER}")
    for _ in range(5):
        sign_in(attacker, "carol", "wrong password")
    assert locked(sign_in(attacker, "carol"))  # the lockout still holds, for the attacker
    chair = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=CHAIR)
    assert sign_in(chair, "carol")["Location"] == "/"


# ---- The rules ---------------------------------------------------------------------------------


def test_with_no_proxies_configured_the_header_is_ignored_by_the_lockout(cast, settings):
    settings.TRUSTED_PROXIES = []
    attacker = Client(REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=CHAIR)
    for _ in range(5):
        sign_in(attacker, "carol", "wrong password")
    assert locked(sign_in(attacker, "carol"))
    assert sign_in(Client(REMOTE_ADDR=CHAIR), "carol")["Location"] == "/"


def test_a_direct_client_cannot_forge_a_chain_that_names_the_proxy(cast, settings):
    # What django-ipware would believe: the header ends in the proxy's address, but the
    # connection does not come from the proxy.
    settings.TRUSTED_PROXIES = [PROXY]
    attacker = Client(REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=f"{CHAIR}, {PROXY}")
    for _ in range(5):
        sign_in(attacker, "carol", "wrong password")
    assert (
        sign_in(Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=CHAIR), "carol")["Location"] == "/"
    )


def test_behind_the_proxy_the_audit_trail_records_the_address_the_proxy_saw(client, cast, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    entry = export_and_read_audit(
        client,
        cast.carol,
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=f"192.0.2.99, {CHAIR}",
        HTTP_X_FORWARDED_PORT="443",
    )
    assert entry.remote_addr == CHAIR
    assert entry.remote_port == 443


def test_a_change_made_through_a_service_records_the_clients_address(client, cast, settings):
    """The services audit as the person they act for, and keep the address the request's audit
    middleware recorded (auditlog's set_actor alone would drop it)."""
    from django.urls import reverse

    from situations.models import RiskFactor, Situation

    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    client.force_login(cast.alice)
    client.post(
        reverse("situation_create", kwargs={"code": "rex"}),
        {
            "subject_type": "group",
            "age_group": "na",
            "gender": "na",
            "narrative": "A group gathering at night.",
            "risk_factors": [RiskFactor.objects.first().pk],
        },
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=CHAIR,
    )
    situation = Situation.objects.get(narrative="A group gathering at night.")
    entry = LogEntry.objects.get_for_object(situation).get(action=LogEntry.Action.CREATE)
    assert entry.actor == cast.alice
    assert entry.remote_addr == CHAIR


@pytest.mark.parametrize(
    ("remote_addr", "forwarded", "proxies", "expected"),
    [
        # No proxies: the connection, whatever the header says.
        (ATTACKER, CHAIR, [], ATTACKER),
        ("::ffff:203.0.113.66", None, [], ATTACKER),
        # One proxy: the address it appended.
        (PROXY, CHAIR, [PROXY], CHAIR),
        (PROXY, f" {ATTACKER} , {CHAIR} ", [PROXY], CHAIR),
        # Two proxies (a load balancer, then nginx): the first untrusted from the right.
        (PROXY, f"{ATTACKER}, {CHAIR}, 10.1.2.3", ["10.0.0.0/8"], CHAIR),
        # Ports and IPv6 forms, as proxies write them.
        (PROXY, f"{CHAIR}:51234", [PROXY], CHAIR),
        (PROXY, "[2001:db8::7]:443", [PROXY], "2001:db8::7"),
        ("::1", "2001:db8::7", ["::1"], "2001:db8::7"),
        ("::ffff:10.0.0.2", CHAIR, [PROXY], CHAIR),
        # Only proxies in the chain: the first of them.
        (PROXY, "10.9.9.9", ["10.0.0.0/8"], "10.9.9.9"),
        # The proxy sent no header, or one no proxy writes: the proxy is all we can vouch for.
        (PROXY, None, [PROXY], PROXY),
        (PROXY, "unknown", [PROXY], PROXY),
        (PROXY, f"{CHAIR}, _hidden", [PROXY], PROXY),
        # The connection is not from a proxy.
        ("192.0.2.1", CHAIR, ["10.0.0.0/8"], "192.0.2.1"),
        ("", CHAIR, [], None),
    ],
)
def test_the_client_address_rules(settings, remote_addr, forwarded, proxies, expected):
    settings.TRUSTED_PROXIES = proxies
    meta = {"REMOTE_ADDR": remote_addr}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_address(RequestFactory().get("/", **meta)) == expected


def test_a_bad_trusted_proxies_entry_stops_the_application():
    env = {**os.environ, "TRUSTED_PROXIES": "10.0.0.0/8, proxy.internal"}
    result = subprocess.run(  # noqa: S603  # nosec B603
        [sys.executable, "-c", "import django; django.setup()"],
        env={**env, "DJANGO_SETTINGS_MODULE": "focus.settings"},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode != 0
    assert "TRUSTED_PROXIES: 'proxy.internal' does not appear to be an IPv4 or IPv6 network" in (
        result.stderr
    )
