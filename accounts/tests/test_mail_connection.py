"""Connection tests against a real pymap server: each failure is named precisely, the password never leaks."""
# ruff: noqa: F811 (pytest fixtures imported from accounts.mail_testing are redefined as arguments)

from __future__ import annotations

import logging
import ssl

import pytest
from django.test import override_settings

from accounts.mail_testing import (  # noqa: F401 (fixtures)
    ImapServer,
    closed_port,
    pymap_server,
    pymap_tls_server,
    silent_server,
)
from accounts.models import MailAccount, Security
from accounts.services import mail_connection
from accounts.services.mail_connection import account_imap_open, imap_connect, mail_account_connection_test
from accounts.services.mail_errors import (
    AuthenticationFailed,
    ConnectionErrorKind,
    ConnectionRefusedByPolicy,
    ServerUnavailable,
)


def _test(server: ImapServer, **overrides: object) -> mail_connection.ConnectionTestResult:
    params: dict = {
        "host": server.host,
        "port": server.port,
        "security": Security.NONE,
        "username": server.username,
        "password": server.password,
        "timeout": 5,
    }
    params.update(overrides)
    return mail_account_connection_test(**params)


@pytest.fixture
def trust_test_ca(monkeypatch: pytest.MonkeyPatch, pymap_tls_server: ImapServer) -> None:
    """Our TLS context, trusting the test CA instead of the system store (nothing else changes)."""

    def context() -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=str(pymap_tls_server.ca_file))
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        return ctx

    monkeypatch.setattr(mail_connection, "tls_context_create", context)


def test_correct_credentials_connect_and_count_folders(pymap_server: ImapServer) -> None:
    """GIVEN pymap's demo account WHEN tested with its password THEN it succeeds and counts the folders."""
    result = _test(pymap_server)
    assert result.ok, result.message
    assert result.folder_count == 3
    assert "3 folders" in result.message


def test_wrong_password_is_reported_as_such(pymap_server: ImapServer) -> None:
    """GIVEN a wrong password WHEN tested THEN the result says the user name or password was rejected."""
    result = _test(pymap_server, password="not-the-password")
    assert not result.ok
    assert result.kind == ConnectionErrorKind.AUTHENTICATION
    assert "rejected the user name or password" in result.message
    assert result.needs_password


def test_refused_port_is_reported_as_refused(closed_port: int) -> None:
    """GIVEN a port nobody listens on WHEN tested THEN the result says the connection was refused."""
    result = mail_account_connection_test(
        host="127.0.0.1", port=closed_port, security=Security.SSL, username="u", password="p", timeout=5
    )
    assert result.kind == ConnectionErrorKind.REFUSED
    assert f"refused the connection on port {closed_port}" in result.message


def test_unknown_host_is_reported_as_not_found() -> None:
    """GIVEN a name under .invalid WHEN tested THEN the result says the server name could not be found."""
    result = mail_account_connection_test(
        host="imap.does-not-exist.invalid", port=993, security=Security.SSL, username="u", password="p"
    )
    assert result.kind == ConnectionErrorKind.UNKNOWN_HOST
    assert "imap.does-not-exist.invalid" in result.message
    assert "could not be found" in result.message


def test_silent_server_is_reported_as_timeout(silent_server: int) -> None:
    """GIVEN a server that accepts and never greets WHEN tested with a 1 s timeout THEN it is a timeout."""
    result = mail_account_connection_test(
        host="127.0.0.1", port=silent_server, security=Security.NONE, username="u", password="p", timeout=1
    )
    assert result.kind == ConnectionErrorKind.TIMEOUT
    assert "did not answer within 1 seconds" in result.message


def test_ssl_to_a_plain_text_server_is_reported_as_tls_failure(pymap_server: ImapServer) -> None:
    """GIVEN a plain-text IMAP port WHEN spoken to with SSL/TLS THEN the result is a TLS failure with a hint."""
    result = _test(pymap_server, security=Security.SSL)
    assert not result.ok
    assert result.kind == ConnectionErrorKind.TLS, result.message
    assert "may expect STARTTLS or plain IMAP" in result.message


def test_untrusted_certificate_is_reported_as_tls_failure(pymap_tls_server: ImapServer) -> None:
    """GIVEN STARTTLS with a certificate no system CA signed WHEN tested THEN verification fails, named as TLS."""
    result = _test(pymap_tls_server, security=Security.STARTTLS)
    assert result.kind == ConnectionErrorKind.TLS
    assert "certificate" in result.message


@pytest.mark.usefixtures("trust_test_ca")
def test_starttls_with_a_trusted_certificate_succeeds(pymap_tls_server: ImapServer) -> None:
    """GIVEN STARTTLS and a trusted certificate for "localhost" WHEN tested by that name THEN it logs in."""
    result = _test(pymap_tls_server, security=Security.STARTTLS)
    assert result.ok, result.message


@pytest.mark.usefixtures("trust_test_ca")
def test_tls_is_verified_for_the_host_name_not_the_address(pymap_tls_server: ImapServer) -> None:
    """GIVEN a certificate for "localhost" WHEN the same server is reached as 127.0.0.1 THEN TLS fails."""
    result = _test(pymap_tls_server, host="127.0.0.1", security=Security.STARTTLS)
    assert result.kind == ConnectionErrorKind.TLS
    assert "127.0.0.1" in result.message


@override_settings(ALLOW_PRIVATE_HOSTS=False)
def test_loopback_is_blocked_by_the_ssrf_guard_without_the_operator_setting(pymap_server: ImapServer) -> None:
    """GIVEN ALLOW_PRIVATE_HOSTS off WHEN a loopback server is tested THEN the SSRF guard blocks it."""
    result = _test(pymap_server)
    assert result.kind == ConnectionErrorKind.POLICY
    assert "not allowed" in result.message


def test_unencrypted_connections_to_public_addresses_are_refused() -> None:
    """GIVEN security "none" WHEN the server has a public address THEN we refuse before connecting."""
    with pytest.raises(ConnectionRefusedByPolicy):
        imap_connect(host="93.184.215.14", port=143, security=Security.NONE, timeout=2)


def test_starttls_not_offered_is_reported() -> None:
    """GIVEN a server whose capabilities lack STARTTLS WHEN STARTTLS is required THEN that is named."""
    import socketserver
    import threading

    class NoStartTLS(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            self.wfile.write(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n")
            line = self.rfile.readline()
            tag = line.split(b" ", 1)[0]
            self.wfile.write(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n" + tag + b" OK done\r\n")
            self.rfile.readline()

    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), NoStartTLS) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            result = mail_account_connection_test(
                host="127.0.0.1",
                port=server.server_address[1],
                security=Security.STARTTLS,
                username="u",
                password="p",
                timeout=3,
            )
        finally:
            server.shutdown()
    assert result.kind == ConnectionErrorKind.STARTTLS_MISSING
    assert "does not offer STARTTLS" in result.message


def test_password_never_reaches_the_logs(pymap_server: ImapServer, caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN debug logging WHEN a connection test logs in (good and bad password) THEN no log line has it."""
    caplog.set_level(logging.DEBUG)
    _test(pymap_server, password="Wr0ng-pass-SECRET-42")
    _test(pymap_server)
    assert caplog.records, "expected some log lines to check"
    assert "Wr0ng-pass-SECRET-42" not in caplog.text
    assert pymap_server.password not in caplog.text


@pytest.mark.django_db
def test_account_imap_open_logs_in_with_the_stored_password(alice, pymap_server: ImapServer) -> None:
    """GIVEN an account with the right stored password WHEN opened THEN we get a logged-in connection."""
    account = MailAccount(
        owner=alice,
        name="demo",
        imap_host=pymap_server.host,
        imap_port=pymap_server.port,
        imap_security=Security.NONE,
        username=pymap_server.username,
    )
    account.password_set(pymap_server.password)
    with account_imap_open(account=account, timeout=5) as client:
        assert client.select_folder("INBOX")[b"EXISTS"] >= 1


@pytest.mark.django_db
def test_account_imap_open_raises_authentication_failed(alice, pymap_server: ImapServer) -> None:
    """GIVEN an account whose stored password is wrong WHEN opened THEN AuthenticationFailed is raised."""
    account = MailAccount(
        owner=alice,
        name="demo",
        imap_host=pymap_server.host,
        imap_port=pymap_server.port,
        imap_security=Security.NONE,
        username=pymap_server.username,
    )
    account.password_set("wrong")
    with pytest.raises(AuthenticationFailed):
        account_imap_open(account=account, timeout=5)


@pytest.mark.django_db
def test_account_imap_open_raises_server_unavailable_when_refused(alice, closed_port: int) -> None:
    """GIVEN an account on a closed port WHEN opened THEN ServerUnavailable (transient) is raised."""
    account = MailAccount(owner=alice, name="x", imap_host="127.0.0.1", imap_port=closed_port, username="u")
    account.password_set("p")
    with pytest.raises(ServerUnavailable):
        account_imap_open(account=account, timeout=2)


@pytest.mark.django_db
def test_undecryptable_password_counts_as_authentication_failure(alice, pymap_server: ImapServer) -> None:
    """GIVEN a password stored under a key no longer configured WHEN opened THEN AuthenticationFailed."""
    account = MailAccount(
        owner=alice, name="x", imap_host=pymap_server.host, imap_port=pymap_server.port, username="u"
    )
    account.password_encrypted = "gAAAAABnot-a-token-we-can-read"
    with pytest.raises(AuthenticationFailed) as info:
        account_imap_open(account=account, timeout=2)
    assert "re-enter" in str(info.value)
