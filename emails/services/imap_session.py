"""Opening IMAP connections to a mail account: the one seam tests point at a real server.

``imap_session(account=...)`` gives a logged-in IMAPClient with a socket timeout on every operation,
holding one of at most ``IMAP_MAX_CONNECTIONS_PER_ACCOUNT`` connection slots of the account (Redis locks
with a timeout, so a killed worker frees its slot). Errors come out as domain errors: the sync task
retries ``ServerUnavailable`` and stops scheduling the account on ``AuthenticationFailed``.

When the shared SSRF guard (``mailhelper.netguard``) exists it is asked before connecting; the connection
opener itself (host/port/security/username/password/timeout) is ``imap_connect`` below.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from accounts.models.mail_account import MailAccount, Security

logger = logging.getLogger(__name__)

# Response codes (RFC 5530) that say "these credentials will not work until the user changes something".
_AUTH_CODES = ("[AUTHENTICATIONFAILED]", "[AUTHORIZATIONFAILED]", "[EXPIRED]", "[PRIVACYREQUIRED]")
# Response codes that say "try again later".
_TRANSIENT_CODES = ("[UNAVAILABLE]", "[INUSE]", "[SERVERBUG]", "[LIMIT]", "[OVERQUOTA]")


class SyncError(Exception):
    """Base of the errors the sync engine reports."""


class AuthenticationFailed(SyncError):  # noqa: N818 - the domain name in CONVENTIONS.md
    """The server rejected the credentials: the user must re-enter them (no retry)."""


class ServerUnavailable(SyncError):  # noqa: N818
    """A transient failure (network, timeout, BYE, server busy): retry later with backoff."""


class ServerRefused(SyncError):  # noqa: N818
    """The server refused a command in a way a retry will not fix (shown to the user)."""


@dataclass(frozen=True)
class ImapEndpoint:
    host: str
    port: int
    security: str
    username: str
    password: str
    timeout: float

    def __repr__(self) -> str:  # never the password
        return f"<ImapEndpoint {self.username}@{self.host}:{self.port} {self.security}>"


def endpoint_for(*, account: MailAccount, timeout: float | None = None) -> ImapEndpoint:
    return ImapEndpoint(
        host=account.imap_host,
        port=account.imap_port,
        security=account.imap_security,
        username=account.username,
        password=account.password,
        timeout=timeout if timeout is not None else settings.IMAP_TIMEOUT_SECONDS,
    )


def _host_check(host: str, port: int) -> None:
    try:
        from mailhelper import netguard  # type: ignore[attr-defined]
    except ImportError:
        return
    check = getattr(netguard, "host_check", None) or getattr(netguard, "outbound_host_check", None)
    if check is not None:
        check(host=host, port=port)


def login_error_is_authentication(message: str) -> bool:
    """True when a LOGIN refusal means bad credentials (not a busy or broken server)."""
    upper = message.upper()
    if any(code in upper for code in _TRANSIENT_CODES):
        return False
    if any(code in upper for code in _AUTH_CODES):
        return True
    # No response code: servers word it freely; these words only ever mean bad credentials.
    return any(
        word in upper for word in ("AUTHENTICATION", "CREDENTIALS", "PASSWORD", "LOGIN FAILED", "INVALID")
    )


def imap_connect(endpoint: ImapEndpoint) -> IMAPClient:
    """A logged-in client; raises AuthenticationFailed, ServerUnavailable or ServerRefused."""
    _host_check(endpoint.host, endpoint.port)
    try:
        if endpoint.security == Security.SSL:
            context = ssl.create_default_context()
            client = IMAPClient(
                endpoint.host, port=endpoint.port, ssl=True, ssl_context=context, timeout=endpoint.timeout
            )
        else:
            client = IMAPClient(endpoint.host, port=endpoint.port, ssl=False, timeout=endpoint.timeout)
            if endpoint.security == Security.STARTTLS:
                client.starttls(ssl.create_default_context())
    except (OSError, imaplib.IMAP4.error, IMAPClientError) as exc:  # DNS, refused, timeout, TLS, BYE
        raise ServerUnavailable(f"cannot connect to {endpoint.host}:{endpoint.port}: {exc}") from exc
    client.folder_encode = False  # we keep raw (modified UTF-7) names and decode them ourselves
    client.normalise_times = False  # INTERNALDATE as an aware datetime
    try:
        client.login(endpoint.username, endpoint.password)
    except LoginError as exc:
        _close_quietly(client)
        if login_error_is_authentication(str(exc)):
            raise AuthenticationFailed(str(exc) or "authentication failed") from exc
        raise ServerUnavailable(f"login refused: {exc}") from exc
    except (TimeoutError, OSError, imaplib.IMAP4.abort) as exc:
        _close_quietly(client)
        raise ServerUnavailable(f"connection lost during login: {exc}") from exc
    return client


def _close_quietly(client: IMAPClient) -> None:
    with contextlib.suppress(Exception):
        client.logout()
    with contextlib.suppress(Exception):
        client.shutdown()


@contextlib.contextmanager
def connection_slot(*, account_id: int) -> Iterator[None]:
    """Hold one of the account's connection slots (a Redis lock that expires if we die)."""
    limit = max(1, settings.IMAP_MAX_CONNECTIONS_PER_ACCOUNT)
    held = None
    for index in range(limit):
        lock = cache.lock(f"imapconn:{account_id}:{index}", timeout=settings.SYNC_LOCK_SECONDS * 2)
        if lock.acquire(blocking=False):
            held = lock
            break
    if held is None:
        raise ServerUnavailable(f"already {limit} open connections to this account")
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            held.release()


@contextlib.contextmanager
def imap_session(*, account: MailAccount, timeout: float | None = None) -> Iterator[IMAPClient]:
    """A logged-in IMAPClient for ``account``; logged out (or dropped) on exit."""
    with connection_slot(account_id=account.pk):
        client = imap_connect(endpoint_for(account=account, timeout=timeout))
        try:
            yield client
        finally:
            _close_quietly(client)


TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    socket.timeout,
    imaplib.IMAP4.abort,
    EOFError,
)
