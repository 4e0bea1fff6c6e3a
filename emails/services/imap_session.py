"""Opening IMAP connections to a mail account: the one seam tests point at a real server.

``imap_session(account=...)`` gives a logged-in IMAPClient with a socket timeout on every operation,
holding one of at most ``IMAP_MAX_CONNECTIONS_PER_ACCOUNT`` connection slots of the account (Redis locks
with a timeout, so a killed worker frees its slot). Errors come out as domain errors: the sync task
retries ``ServerUnavailable`` and stops scheduling the account on ``AuthenticationFailed``.

Connections are opened through ``accounts.services.mail_connection`` (the SSRF-checked, address-pinned
opener with TLS verified for the host name); ``imap_connect`` below maps its errors onto the sync
engine's.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from imapclient import IMAPClient

from accounts.models.mail_account import MailAccount
from accounts.services import mail_connection as connection
from accounts.services import mail_errors
from mailhelper.typing import locking_cache

logger = logging.getLogger(__name__)

# Response codes (RFC 5530) that say "these credentials will not work until the user changes something".
_AUTH_CODES = ("[AUTHENTICATIONFAILED]", "[AUTHORIZATIONFAILED]", "[EXPIRED]", "[PRIVACYREQUIRED]")
# Response codes that say "try again later".
_TRANSIENT_CODES = ("[UNAVAILABLE]", "[INUSE]", "[SERVERBUG]", "[LIMIT]", "[OVERQUOTA]")


class SyncError(Exception):
    """Base of the errors the sync engine reports."""


class AuthenticationFailed(SyncError):
    """The server rejected the credentials: the user must re-enter them (no retry)."""


class ServerUnavailable(SyncError):
    """A transient failure (network, timeout, BYE, server busy): retry later with backoff."""


class ServerRefused(SyncError):
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
    """A logged-in client; raises AuthenticationFailed, ServerUnavailable or ServerRefused.

    Connecting goes through the accounts app's opener, which resolves the host once, refuses addresses
    the SSRF guard forbids, connects to the checked address and verifies TLS for the host name.
    """
    try:
        client = connection.imap_connect(
            host=endpoint.host, port=endpoint.port, security=endpoint.security, timeout=endpoint.timeout
        )
    except mail_errors.ConnectionRefusedByPolicy as exc:
        raise ServerRefused(exc.message) from exc
    except mail_errors.MailConnectionError as exc:  # DNS, refused, timeout, TLS, BYE
        raise ServerUnavailable(exc.message) from exc
    client.folder_encode = False  # we keep raw (modified UTF-7) names and decode them ourselves
    client.normalise_times = False  # INTERNALDATE as an aware datetime
    try:
        connection.imap_login(
            client=client,
            username=endpoint.username,
            password=endpoint.password,
            host=endpoint.host,
            port=endpoint.port,
            timeout=endpoint.timeout,
        )
    except mail_errors.AuthenticationFailed as exc:
        _close_quietly(client)
        raise AuthenticationFailed(exc.message) from None
    except mail_errors.ConnectionRefusedByPolicy as exc:
        _close_quietly(client)
        raise ServerRefused(exc.message) from None
    except mail_errors.MailConnectionError as exc:
        _close_quietly(client)
        raise ServerUnavailable(exc.message) from None
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
        lock = locking_cache(cache).lock(
            f"imapconn:{account_id}:{index}", timeout=settings.SYNC_LOCK_SECONDS * 2
        )
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


def folder_select(*, client: IMAPClient, raw_name: str) -> dict[bytes, Any]:
    """SELECT a folder read-write, as ``select_folder`` does; one the server only lets us read is selected all
    the same, and the answer then holds ``b"READ-ONLY"`` (see ``folder_is_readonly``).

    Shared and public folders, ACLs without write rights or a store the server cannot write are answered
    with ``OK [READ-ONLY]``: the folder is selected, read-only. imaplib raises ``readonly`` for it, an
    ``abort`` that would pass for a lost connection, and raises it again before every later command until
    it is told the folder is read-only; it is told here.
    """
    try:
        return client.select_folder(raw_name, readonly=False)
    except imaplib.IMAP4.readonly:
        client._imap.is_readonly = True
        return client._process_select_response(client._imap.untagged_responses)


def folder_is_readonly(info: dict[bytes, Any]) -> bool:
    """True when the server answered the SELECT with ``[READ-ONLY]``."""
    return b"READ-ONLY" in info


TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    socket.timeout,
    imaplib.IMAP4.abort,
    EOFError,
)
