"""The SSRF guard: resolve once, refuse non-public addresses unless the operator allows private ones."""

from __future__ import annotations

import socket

import pytest
from django.test import override_settings

from mailhelper.netguard import (
    AddressNotAllowed,
    HostNotFound,
    ResolvedAddress,
    address_resolve_checked,
    connection_open_checked,
)

REFUSED_ALWAYS = [
    "169.254.169.254",  # cloud metadata: link-local
    "fe80::1",
    "224.0.0.1",
    "ff02::1",
    "0.0.0.0",  # noqa: S104
    "::",
    "240.0.0.1",
    "::ffff:169.254.169.254",
]
REFUSED_UNLESS_ALLOWED = [
    "127.0.0.1",
    "::1",
    "10.1.2.3",
    "172.16.5.4",
    "192.168.1.10",
    "100.64.0.1",  # carrier-grade NAT
    "fd00::1",
    "::ffff:10.0.0.1",  # IPv4-mapped private
    "::ffff:127.0.0.1",
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "2002:a00:1::1",  # 6to4 of 10.0.0.1
]


class FakeDNS:
    """Answers configured names (names we cannot register in real DNS) and records every lookup."""

    def __init__(self) -> None:
        self.answers: dict[str, list[str]] = {}
        self.calls: list[str] = []
        self._real = socket.getaddrinfo

    def getaddrinfo(self, host: str, port: int, *args: object, **kwargs: object) -> list[tuple]:
        self.calls.append(host)
        if host not in self.answers:
            return self._real(host, port, *args, **kwargs)  # type: ignore[arg-type]
        out = []
        for ip in self.answers[host]:
            family = socket.AF_INET6 if ":" in ip else socket.AF_INET
            sockaddr = (ip, port, 0, 0) if family == socket.AF_INET6 else (ip, port)
            out.append((family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr))
        return out


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> FakeDNS:
    dns = FakeDNS()
    monkeypatch.setattr(socket, "getaddrinfo", dns.getaddrinfo)
    return dns


@override_settings(ALLOW_PRIVATE_HOSTS=False)
def test_public_address_is_allowed() -> None:
    """GIVEN a public IP literal WHEN it is checked THEN it comes back as the address to connect to."""
    resolved = address_resolve_checked(host="93.184.215.14", port=993)
    assert resolved.addresses == ("93.184.215.14",)
    assert resolved.port == 993


@override_settings(ALLOW_PRIVATE_HOSTS=False)
@pytest.mark.parametrize("address", REFUSED_UNLESS_ALLOWED + REFUSED_ALWAYS)
def test_non_public_addresses_are_refused_by_default(address: str) -> None:
    """GIVEN the default setting WHEN a non-public address is checked THEN it is refused with a reason."""
    with pytest.raises(AddressNotAllowed) as info:
        address_resolve_checked(host=address, port=993)
    assert "not allowed" in str(info.value)


@override_settings(ALLOW_PRIVATE_HOSTS=True)
@pytest.mark.parametrize("address", REFUSED_UNLESS_ALLOWED)
def test_operator_setting_allows_private_and_loopback(address: str) -> None:
    """GIVEN ALLOW_PRIVATE_HOSTS WHEN a private or loopback address is checked THEN it is allowed."""
    resolved = address_resolve_checked(host=address, port=143)
    assert len(resolved.addresses) == 1


@override_settings(ALLOW_PRIVATE_HOSTS=True)
@pytest.mark.parametrize("address", REFUSED_ALWAYS)
def test_metadata_multicast_and_unspecified_stay_refused_even_when_private_is_allowed(address: str) -> None:
    """GIVEN ALLOW_PRIVATE_HOSTS WHEN link-local/multicast/reserved/unspecified is checked THEN it is refused."""
    with pytest.raises(AddressNotAllowed):
        address_resolve_checked(host=address, port=993)


@override_settings(ALLOW_PRIVATE_HOSTS=False)
def test_a_name_resolving_to_a_private_address_is_refused(fake_dns: FakeDNS) -> None:
    """GIVEN a public-looking name whose DNS answer is private WHEN checked THEN it is refused, naming both."""
    fake_dns.answers["imap.evil.example"] = ["10.0.0.7"]
    with pytest.raises(AddressNotAllowed) as info:
        address_resolve_checked(host="imap.evil.example", port=993)
    assert "imap.evil.example" in str(info.value)
    assert "10.0.0.7" in str(info.value)


@override_settings(ALLOW_PRIVATE_HOSTS=False)
def test_a_mixed_answer_is_refused_as_a_whole(fake_dns: FakeDNS) -> None:
    """GIVEN a name resolving to a public and a loopback address WHEN checked THEN the name is refused."""
    fake_dns.answers["imap.mixed.example"] = ["93.184.215.14", "127.0.0.1"]
    with pytest.raises(AddressNotAllowed):
        address_resolve_checked(host="imap.mixed.example", port=993)


@override_settings(ALLOW_PRIVATE_HOSTS=False)
def test_the_name_is_resolved_exactly_once(fake_dns: FakeDNS) -> None:
    """GIVEN a public name WHEN it is checked THEN DNS is asked once and its answer is what we return."""
    fake_dns.answers["imap.public.example"] = ["2606:2800:21f:cb07:6820:80da:af6b:8b2c", "93.184.215.14"]
    resolved = address_resolve_checked(host="imap.public.example", port=993)
    assert fake_dns.calls == ["imap.public.example"]
    assert resolved.addresses == ("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c")  # IPv4 first
    assert resolved.host == "imap.public.example"


def test_an_unknown_name_is_reported_as_not_found() -> None:
    """GIVEN a name under .invalid WHEN checked THEN HostNotFound says the name could not be found."""
    with pytest.raises(HostNotFound) as info:
        address_resolve_checked(host="no-such-server.invalid", port=993)
    assert "no-such-server.invalid" in str(info.value)
    assert "could not be found" in str(info.value)


@pytest.mark.parametrize("port", [0, 65536])
def test_an_impossible_port_is_refused(port: int) -> None:
    """GIVEN port 0 or 65536 WHEN checked THEN it is refused before any lookup."""
    with pytest.raises(AddressNotAllowed):
        address_resolve_checked(host="93.184.215.14", port=port)


def test_an_empty_host_is_refused() -> None:
    """GIVEN an empty host WHEN checked THEN HostNotFound is raised."""
    with pytest.raises(HostNotFound):
        address_resolve_checked(host="  ", port=993)


def test_connection_goes_to_the_checked_address_not_the_name() -> None:
    """GIVEN a checked address for a name that does not resolve WHEN connecting THEN the address is used."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        resolved = ResolvedAddress(host="unresolvable.invalid", port=port, addresses=("127.0.0.1",))
        with connection_open_checked(resolved, timeout=5) as conn:
            assert conn.getpeername() == ("127.0.0.1", port)
