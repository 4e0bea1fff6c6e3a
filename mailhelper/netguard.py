"""SSRF guard for outbound connections to hosts that users type in (IMAP/SMTP servers, LLM endpoints).

A host name is resolved exactly once; every address it resolves to must be public, and the caller
then connects to one of those checked addresses (never to the name again, which a hostile DNS
server could answer differently the second time). TLS is still verified for the host name.

Operators running a mail server on their own network set ``ALLOW_PRIVATE_HOSTS=true``; that allows
private, loopback, shared (CGNAT) and unique-local addresses. Multicast, unspecified, reserved and
link-local addresses stay refused even then: no mail server or LLM lives there, but cloud metadata
services (169.254.169.254, fd00:ec2::254) do.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")  # RFC 6598 carrier-grade NAT
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052 well-known prefix, embeds an IPv4 address


class NetguardError(Exception):
    """An outbound connection must not (or cannot) be made; ``str(exc)`` is a human message."""


class HostNotFound(NetguardError):
    """The host name does not resolve (typo, unknown domain, DNS down)."""


class AddressNotAllowed(NetguardError):
    """The host resolves to an address outbound connections may not reach."""


@dataclass(frozen=True)
class ResolvedAddress:
    """A host name and the checked addresses it resolved to (best first); connect only to these."""

    host: str
    port: int
    addresses: tuple[str, ...]

    @property
    def address(self) -> str:
        return self.addresses[0]

    def __str__(self) -> str:
        return f"{self.host}:{self.port} -> {', '.join(self.addresses)}"


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, NAT64, 6to4, Teredo), if any."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def address_refusal_reason(ip: IPAddress, *, allow_private: bool) -> str | None:
    """Why outbound connections must not go to ``ip`` (a human phrase), or None when it is fine."""
    embedded = _embedded_ipv4(ip)
    if embedded is not None:
        return address_refusal_reason(embedded, allow_private=allow_private)
    if ip.is_unspecified:
        return _("an unspecified address")
    if ip.is_multicast:
        return _("a multicast address")
    if ip.is_link_local:
        return _("a link-local address")
    if ip.is_loopback:
        return None if allow_private else _("a loopback address (this server itself)")
    if isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED_ADDRESS_SPACE:
        return None if allow_private else _("a carrier-grade NAT address")
    if ip.is_private:
        # Python counts documentation, benchmarking and other special ranges as "private" too; those
        # are never a real server, so only the classic private ranges pass with allow_private.
        if allow_private and _is_local_network(ip):
            return None
        return _("a private network address")
    if ip.is_reserved:
        return _("a reserved address")
    if not ip.is_global:
        return _("a non-public address")
    return None


_LOCAL_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "fec0::/10")
)


def _is_local_network(ip: IPAddress) -> bool:
    return any(ip.version == net.version and ip in net for net in _LOCAL_NETWORKS)


def address_resolve_checked(*, host: str, port: int) -> ResolvedAddress:
    """Resolve ``host`` once and return its addresses if every one of them may be contacted.

    Raises ``HostNotFound`` when the name does not resolve and ``AddressNotAllowed`` when it (or any
    address it resolves to) is private, loopback, link-local, multicast, reserved or unspecified,
    unless ``settings.ALLOW_PRIVATE_HOSTS`` allows private and loopback ones.
    """
    name = host.strip().strip("[]").rstrip(".") if host else ""
    if not name:
        raise HostNotFound(_("No server name was given."))
    if not 0 < int(port) < 65536:
        raise AddressNotAllowed(_("Port %(port)s is not a valid TCP port.") % {"port": port})
    allow_private = bool(getattr(settings, "ALLOW_PRIVATE_HOSTS", False))
    try:
        infos = socket.getaddrinfo(name, int(port), type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise HostNotFound(
            _("The server name “%(host)s” could not be found. Check it for typos.") % {"host": name}
        ) from exc
    addresses: list[str] = []
    for family, _type, _proto, _canonname, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        reason = address_refusal_reason(ip, allow_private=allow_private)
        if reason is not None:
            raise AddressNotAllowed(
                _(
                    "“%(host)s” points to %(reason)s (%(ip)s); connections there are not allowed on this server."
                )
                % {"host": name, "reason": reason, "ip": ip}
            )
        if str(ip) not in addresses:
            addresses.append(str(ip))
    if not addresses:
        raise HostNotFound(_("The server name “%(host)s” has no usable address.") % {"host": name})
    # IPv4 first: a dual-stack name (localhost, many hosters) is more often reachable over IPv4.
    addresses.sort(key=lambda a: ipaddress.ip_address(a).version)
    return ResolvedAddress(host=name, port=int(port), addresses=tuple(addresses))


def connection_open_checked(resolved: ResolvedAddress, *, timeout: float | None) -> socket.socket:
    """A TCP connection to the first of ``resolved``'s checked addresses that accepts one."""
    last_error: OSError | None = None
    for address in resolved.addresses:
        try:
            return socket.create_connection((address, resolved.port), timeout=timeout)
        except OSError as exc:
            last_error = exc
    assert last_error is not None
    raise last_error
