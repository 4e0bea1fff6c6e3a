"""Domain errors of mail-server connections; ``str(exc)`` is a message fit to show the account's owner.

Callers decide by class: ``AuthenticationFailed`` is permanent until the user re-enters the password
(mark the account ``needs_reauth`` and stop scheduling it); ``ServerUnavailable`` is transient (retry
with backoff); ``ConnectionRefusedByPolicy`` is permanent until the settings change (this server may
not connect there). The ``kind`` attribute names the precise cause for status displays and tests.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ConnectionErrorKind(models.TextChoices):
    AUTHENTICATION = "authentication", _("wrong user name or password")
    UNKNOWN_HOST = "unknown_host", _("unknown server name")
    TLS = "tls", _("TLS failure")
    TIMEOUT = "timeout", _("timeout")
    REFUSED = "refused", _("connection refused")
    UNREACHABLE = "unreachable", _("network unreachable")
    POLICY = "policy", _("blocked by the server's network policy")
    STARTTLS_MISSING = "starttls_missing", _("STARTTLS not offered")
    PROTOCOL = "protocol", _("unexpected server reply")


class MailConnectionError(Exception):
    """Base of the errors below; carries a human ``message`` and a ``kind``."""

    kind: str = ConnectionErrorKind.PROTOCOL

    def __init__(self, message: str, *, kind: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if kind is not None:
            self.kind = kind


class AuthenticationFailed(MailConnectionError):
    """The server rejected the credentials (or the stored password can no longer be decrypted)."""

    kind = ConnectionErrorKind.AUTHENTICATION


class ServerUnavailable(MailConnectionError):
    """The server could not be reached or talked to right now; worth retrying later."""

    kind = ConnectionErrorKind.PROTOCOL


class ConnectionRefusedByPolicy(MailConnectionError):
    """Our own rules forbid this connection (SSRF guard, plain text to a public host)."""

    kind = ConnectionErrorKind.POLICY
