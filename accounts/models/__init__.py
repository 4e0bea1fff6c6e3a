"""Models of the accounts app, one module per concern."""

from accounts.models.mail_account import MailAccount, Security
from accounts.models.security import (
    AuditEvent,
    AuditKind,
    AuthFailure,
    Invite,
    Lockout,
    LockScope,
    UserSession,
)
from accounts.models.user import User

__all__ = [
    "AuditEvent",
    "AuditKind",
    "AuthFailure",
    "Invite",
    "LockScope",
    "Lockout",
    "MailAccount",
    "Security",
    "User",
    "UserSession",
]
