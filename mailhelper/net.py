"""Who is the client: the direct peer, or the X-Forwarded-For entry our trusted proxy added."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest


@lru_cache(maxsize=1)
def _trusted_networks() -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(n, strict=False) for n in settings.TRUSTED_PROXIES)


def _is_trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in _trusted_networks())


def client_ip(request: HttpRequest) -> str:
    """The client's address: walk X-Forwarded-For from the right while the hops are trusted proxies."""
    peer = request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 - an address, not a bind
    if not _is_trusted(peer):
        return peer
    forwarded = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(forwarded):
        if not _is_trusted(hop):
            return hop
    return forwarded[0] if forwarded else peer
