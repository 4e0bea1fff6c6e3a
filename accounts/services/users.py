"""Changes to a user's own credentials and settings, and operator actions on users."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.http import HttpRequest

from accounts.models import AuditKind, User
from accounts.services.audit import audit_record
from accounts.services.sessions import sessions_revoke_all


def password_change(
    *,
    user: User,
    new_password: str,
    keep_session_key: str | None = None,
    request: HttpRequest | None = None,
    reason: str = "password change",
) -> int:
    """Set a new password and end every other session; returns how many sessions were ended.

    The caller keeps its own session valid with ``update_session_auth_hash``.
    """
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_record(kind=AuditKind.PASSWORD_CHANGED, request=request, user=user, detail={"via": reason})
    return sessions_revoke_all(user=user, except_session_key=keep_session_key, request=request, reason=reason)


def user_language_set(*, user: User, language: str) -> bool:
    """Save ``language`` as the user's profile language; False (and nothing saved) for a code we do not offer."""
    if language not in dict(settings.LANGUAGES):
        return False
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return True


def user_deactivate(*, user: User, actor: User | None = None, request: HttpRequest | None = None) -> None:
    """Block a user from logging in and end their sessions; their data stays."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit_record(kind=AuditKind.USER_DEACTIVATED, request=request, user=user, actor=actor)
    sessions_revoke_all(user=user, actor=actor, request=request, reason="deactivated")


def user_time_zone(name: str) -> zoneinfo.ZoneInfo | None:
    """The zone for a profile's IANA name; None for an empty or unknown one (the server's zone applies)."""
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
