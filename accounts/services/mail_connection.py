"""IMAP connections to user-supplied servers: SSRF-checked, TLS-verified, every failure in plain words.

``imap_connect`` resolves the host once through the SSRF guard, opens the socket to the checked
address (never to the name again) and verifies the TLS certificate for the host name. Every low-level
failure becomes one of the domain errors in ``accounts.services.mail_errors`` with a message the
account's owner can act on. ``account_imap_open`` is the seam the sync engine uses.
"""

from __future__ import annotations

import errno
import imaplib
import ipaddress
import logging
import socket
import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from accounts.models.mail_account import Security
from accounts.services.mail_errors import (
    AuthenticationFailed,
    ConnectionErrorKind,
    ConnectionRefusedByPolicy,
    MailConnectionError,
    ServerUnavailable,
)
from mailhelper.crypto import SecretUnreadable
from mailhelper.netguard import (
    AddressNotAllowed,
    HostNotFound,
    ResolvedAddress,
    address_resolve_checked,
    connection_open_checked,
)

if TYPE_CHECKING:
    from accounts.models import MailAccount

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0


def tls_context_create() -> ssl.SSLContext:
    """The TLS settings for mail servers: system CAs, host name checked, TLS 1.2 or newer."""
    context = ssl.create_default_context(purpose=ssl.Purpose.SERVER_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


class _PinnedIMAP4(imaplib.IMAP4):
    """imaplib that connects to a checked address while ``self.host`` stays the name (for STARTTLS)."""

    def __init__(self, resolved: ResolvedAddress, timeout: float | None) -> None:
        self._resolved = resolved
        self._connect_timeout = timeout
        super().__init__(resolved.host, resolved.port, timeout=timeout)

    def _create_socket(self, timeout: float | None = None) -> socket.socket:
        return connection_open_checked(
            self._resolved, timeout=timeout if timeout is not None else self._connect_timeout
        )


class _PinnedIMAP4TLS(_PinnedIMAP4):
    """Implicit TLS (port 993) to a checked address, certificate verified for the host name."""

    def __init__(self, resolved: ResolvedAddress, timeout: float | None, ssl_context: ssl.SSLContext) -> None:
        self.ssl_context = ssl_context
        super().__init__(resolved, timeout)

    def _create_socket(self, timeout: float | None = None) -> socket.socket:
        sock = super()._create_socket(timeout)
        try:
            return self.ssl_context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


class PinnedIMAPClient(IMAPClient):
    """IMAPClient whose connection goes to an address the SSRF guard already checked."""

    def __init__(
        self, *, resolved: ResolvedAddress, use_ssl: bool, ssl_context: ssl.SSLContext, timeout: float
    ) -> None:
        self._resolved = resolved
        super().__init__(
            resolved.host, port=resolved.port, ssl=use_ssl, ssl_context=ssl_context, timeout=timeout
        )

    def _create_IMAP4(self) -> imaplib.IMAP4:  # noqa: N802 (IMAPClient's name)
        connect_timeout = getattr(self._timeout, "connect", None)
        if self.ssl:
            return _PinnedIMAP4TLS(self._resolved, connect_timeout, self.ssl_context)
        return _PinnedIMAP4(self._resolved, connect_timeout)

    def __repr__(self) -> str:
        return f"<PinnedIMAPClient {self._resolved}>"


def _where(host: str, port: int) -> dict[str, Any]:
    return {"host": host, "port": port}


def connection_error_classify(
    exc: BaseException, *, host: str, port: int, security: str, timeout: float
) -> MailConnectionError:
    """The domain error (with a precise human message) for a low-level connection failure."""
    where = _where(host, port)
    if isinstance(exc, MailConnectionError):
        return exc
    if isinstance(exc, ssl.SSLCertVerificationError):
        return ServerUnavailable(
            _("The TLS certificate of “%(host)s” could not be verified: %(reason)s.")
            % {**where, "reason": exc.verify_message or exc.reason or exc},
            kind=ConnectionErrorKind.TLS,
        )
    if isinstance(exc, ssl.SSLError):
        hint = (
            _("Port %(port)s may expect STARTTLS or plain IMAP instead of SSL/TLS.")
            if security == Security.SSL
            else _("Check the security setting for this port.")
        )
        return ServerUnavailable(
            _("The TLS handshake with %(host)s:%(port)s failed (%(reason)s).")
            % {**where, "reason": exc.reason or exc}
            + " "
            + hint % where,
            kind=ConnectionErrorKind.TLS,
        )
    if isinstance(exc, TimeoutError | socket.timeout):
        return ServerUnavailable(
            _("%(host)s:%(port)s did not answer within %(seconds)s seconds.")
            % {**where, "seconds": f"{timeout:g}"},
            kind=ConnectionErrorKind.TIMEOUT,
        )
    if isinstance(exc, ConnectionRefusedError):
        return ServerUnavailable(
            _("%(host)s refused the connection on port %(port)s. Check the port number.") % where,
            kind=ConnectionErrorKind.REFUSED,
        )
    if isinstance(exc, OSError) and exc.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return ServerUnavailable(
            _("%(host)s cannot be reached from this server (network unreachable).") % where,
            kind=ConnectionErrorKind.UNREACHABLE,
        )
    if isinstance(exc, ConnectionResetError | BrokenPipeError | EOFError | imaplib.IMAP4.abort):
        return ServerUnavailable(
            _("%(host)s:%(port)s closed the connection unexpectedly. Check the port and security settings.")
            % where,
            kind=ConnectionErrorKind.PROTOCOL,
        )
    if isinstance(exc, imaplib.IMAP4.error | IMAPClientError):
        return ServerUnavailable(
            _("%(host)s:%(port)s sent an unexpected reply: %(reply)s") % {**where, "reply": str(exc)[:200]},
            kind=ConnectionErrorKind.PROTOCOL,
        )
    return ServerUnavailable(
        _("Could not talk to %(host)s:%(port)s: %(error)s")
        % {**where, "error": str(exc)[:200] or type(exc).__name__},
        kind=ConnectionErrorKind.PROTOCOL,
    )


def imap_connect(*, host: str, port: int, security: str, timeout: float = DEFAULT_TIMEOUT) -> IMAPClient:
    """An IMAP connection (not yet logged in) over the chosen security; raises a ``MailConnectionError``."""
    try:
        resolved = address_resolve_checked(host=host, port=port)
    except HostNotFound as exc:
        raise ServerUnavailable(str(exc), kind=ConnectionErrorKind.UNKNOWN_HOST) from exc
    except AddressNotAllowed as exc:
        raise ConnectionRefusedByPolicy(str(exc)) from exc
    if security == Security.NONE and any(ipaddress.ip_address(a).is_global for a in resolved.addresses):
        raise ConnectionRefusedByPolicy(
            _(
                "Unencrypted connections are only allowed to servers on a local network. Choose SSL/TLS or STARTTLS."
            )
        )
    context = tls_context_create()
    client: IMAPClient | None = None
    try:
        client = PinnedIMAPClient(
            resolved=resolved, use_ssl=security == Security.SSL, ssl_context=context, timeout=timeout
        )
        if security == Security.STARTTLS:
            if not client.has_capability("STARTTLS"):
                raise ConnectionRefusedByPolicy(
                    _(
                        "%(host)s does not offer STARTTLS on port %(port)s, so the password would travel unencrypted."
                    )
                    % _where(resolved.host, port),
                    kind=ConnectionErrorKind.STARTTLS_MISSING,
                )
            client.starttls(context)
    except BaseException as exc:
        if client is not None:
            _shutdown_quietly(client)
        if not isinstance(exc, Exception):
            raise
        raise connection_error_classify(
            exc, host=resolved.host, port=port, security=security, timeout=timeout
        ) from exc
    return client


def imap_login(
    *, client: IMAPClient, username: str, password: str, host: str, port: int, timeout: float
) -> None:
    """Log in on an open connection; wrong credentials raise ``AuthenticationFailed``."""
    try:
        if client.has_capability("LOGINDISABLED"):
            raise ConnectionRefusedByPolicy(
                _("%(host)s does not allow password login on this connection.") % _where(host, port)
            )
        if password.isascii() and username.isascii():
            client.login(username, password)
        else:  # LOGIN is ASCII-only; AUTHENTICATE PLAIN carries UTF-8
            client.plain_login(username, password)
    except LoginError as exc:
        text = str(exc)
        if "UNAVAILABLE" in text.upper() or "socket error" in text:
            raise ServerUnavailable(
                _("%(host)s could not check the login right now; it will be tried again later.")
                % _where(host, port),
                kind=ConnectionErrorKind.PROTOCOL,
            ) from exc
        raise AuthenticationFailed(
            _("%(host)s rejected the user name or password.") % _where(host, port) + _server_said(text)
        ) from None  # the chained exception's arguments could echo what we sent
    except MailConnectionError:
        raise
    except Exception as exc:
        if isinstance(exc, IMAPClientError) and "AUTHENTICATIONFAILED" in str(exc).upper():
            raise AuthenticationFailed(
                _("%(host)s rejected the user name or password.") % _where(host, port)
            ) from None
        raise connection_error_classify(exc, host=host, port=port, security="", timeout=timeout) from None


def _server_said(text: str) -> str:
    reply = text.strip().removeprefix("b'").removeprefix('b"').rstrip("'\"").strip()
    if not reply:
        return ""
    return " " + _("The server said: %(reply)s") % {"reply": reply[:200]}


def _shutdown_quietly(client: IMAPClient) -> None:
    try:
        client.shutdown()
    except Exception:  # closing a connection that already failed must not hide the real error
        logger.debug("imap shutdown after failure raised", exc_info=True)


@dataclass(frozen=True)
class ConnectionTestResult:
    """What a connection test found: ``ok``, a message for the user, and the error ``kind`` if not ok."""

    ok: bool
    message: str
    kind: str = ""
    folder_count: int | None = None

    @property
    def needs_password(self) -> bool:
        return self.kind == ConnectionErrorKind.AUTHENTICATION


def mail_account_connection_test(
    *, host: str, port: int, security: str, username: str, password: str, timeout: float = DEFAULT_TIMEOUT
) -> ConnectionTestResult:
    """Connect, log in and list the folders once; report success or the precise reason for failure."""
    try:
        client = imap_connect(host=host, port=port, security=security, timeout=timeout)
    except MailConnectionError as exc:
        logger.info("imap connection test failed host=%s port=%s kind=%s", host, port, exc.kind)
        return ConnectionTestResult(ok=False, message=exc.message, kind=exc.kind)
    try:
        imap_login(client=client, username=username, password=password, host=host, port=port, timeout=timeout)
        folder_count = len(client.list_folders())
    except MailConnectionError as exc:
        logger.info("imap connection test failed host=%s port=%s kind=%s", host, port, exc.kind)
        return ConnectionTestResult(ok=False, message=exc.message, kind=exc.kind)
    except Exception as exc:
        error = connection_error_classify(exc, host=host, port=port, security=security, timeout=timeout)
        logger.info("imap connection test failed host=%s port=%s kind=%s", host, port, error.kind)
        return ConnectionTestResult(ok=False, message=error.message, kind=error.kind)
    finally:
        _logout_quietly(client)
    logger.info("imap connection test succeeded host=%s port=%s folders=%s", host, port, folder_count)
    return ConnectionTestResult(
        ok=True,
        message=_("Connected and logged in; %(count)s folders found.") % {"count": folder_count},
        folder_count=folder_count,
    )


def _logout_quietly(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:
        _shutdown_quietly(client)


def account_imap_open(*, account: MailAccount, timeout: float = DEFAULT_TIMEOUT) -> IMAPClient:
    """A logged-in IMAP connection for ``account`` (use it as a context manager: it logs out on exit).

    Raises ``AuthenticationFailed`` (also when the stored password can no longer be decrypted),
    ``ServerUnavailable`` (transient) or ``ConnectionRefusedByPolicy``.
    """
    try:
        password = account.password
    except SecretUnreadable as exc:
        raise AuthenticationFailed(
            _(
                "The stored password can no longer be decrypted (the encryption key changed). Please re-enter it."
            )
        ) from exc
    client = imap_connect(
        host=account.imap_host, port=account.imap_port, security=account.imap_security, timeout=timeout
    )
    try:
        imap_login(
            client=client,
            username=account.username,
            password=password,
            host=account.imap_host,
            port=account.imap_port,
            timeout=timeout,
        )
    except BaseException:
        _shutdown_quietly(client)
        raise
    return client
