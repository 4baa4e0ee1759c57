"""The client's address, as far as this deployment can vouch for it (README, "Behind a TLS
proxy").

The address that connected is a fact; an X-Forwarded-For header is whatever the sender wrote.
Only when the connection comes from one of the TRUSTED_PROXIES is the header read, from the
right, as nginx's real_ip_recursive does: each proxy appends the address it saw, so the first
address (from the right) that is not itself a trusted proxy is the client. Anything to its
left was written by the client and is ignored. With no proxies configured the header is never
read.

django-ipware (python-ipware) was tried first: it matches its trusted proxies against the
header's own entries and never against the connecting address, so a client reaching the
application directly can send a chain that names the real proxy and have any address
believed. Its proxy list is also positional (one entry per hop, in order), not a set.

The audit trail (AuditlogMiddleware below) and django-axes (AXES_CLIENT_IP_CALLABLE) both use
client_address, so a lockout is of the person's own address and the audit trail records it.
"""

import ipaddress
from functools import lru_cache

from auditlog.middleware import AuditlogMiddleware as BaseAuditlogMiddleware
from django.conf import settings
from django.http import HttpRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=4)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def trusted_networks() -> tuple[Network, ...]:
    return _networks(tuple(settings.TRUSTED_PROXIES))


def parse(text: str) -> Address | None:
    """An address from REMOTE_ADDR or one X-Forwarded-For entry, port and IPv4-mapped IPv6
    form removed; None for anything else ("unknown", an obfuscated name, garbage)."""
    text = text.strip()
    if text.startswith("["):  # [2001:db8::1]:443
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # 192.0.2.1:443
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    return getattr(address, "ipv4_mapped", None) or address


def _is_trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


def client_address(request: HttpRequest) -> str | None:
    peer = parse(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return None
    networks = trusted_networks()
    client = peer
    if _is_trusted(peer, networks):
        hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        for hop in reversed(hops):
            address = parse(hop)
            if address is None:
                # An entry no proxy would write: the last trusted proxy is all we can vouch for.
                break
            client = address
            if not _is_trusted(address, networks):
                break
    return str(client)


def came_through_trusted_proxy(request: HttpRequest) -> bool:
    peer = parse(request.META.get("REMOTE_ADDR", ""))
    return peer is not None and _is_trusted(peer, trusted_networks())


class AuditlogMiddleware(BaseAuditlogMiddleware):
    """django-auditlog's middleware, recording the address client_address trusts. The original
    takes the first X-Forwarded-For entry, which any client can write."""

    @staticmethod
    def _get_remote_addr(request):
        if settings.AUDITLOG_DISABLE_REMOTE_ADDR:
            return None
        return client_address(request)

    @staticmethod
    def _get_remote_port(request):
        # X-Forwarded-Port is as forgeable as X-Forwarded-For: only a trusted proxy's counts.
        if not came_through_trusted_proxy(request):
            return None
        return BaseAuditlogMiddleware._get_remote_port(request)
