"""Our per-user index of sessions: track on login, touch on activity, revoke from DB and cache."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import AuditKind, User, UserSession
from accounts.services.audit import audit_record, request_user_agent
from mailhelper.net import client_ip

# Writing last_seen on every request would turn every page view into a write; once a minute is plenty
# for an idle timeout measured in tens of minutes.
TOUCH_INTERVAL = timedelta(seconds=60)


def _session_store(session_key: str) -> SessionBase:
    engine = import_module(settings.SESSION_ENGINE)
    return engine.SessionStore(session_key=session_key)


def user_session_track(*, request: HttpRequest, user: User) -> UserSession | None:
    """Remember the request's session as one of ``user``'s (called on login and for untracked sessions)."""
    key = request.session.session_key
    if not key:
        return None
    now = timezone.now()
    tracked, _ = UserSession.objects.update_or_create(
        session_key=key,
        defaults={
            "user": user,
            "ip": client_ip(request),
            "user_agent": request_user_agent(request),
            "last_seen_at": now,
        },
    )
    return tracked


def user_session_touch(*, tracked: UserSession, request: HttpRequest) -> None:
    now = timezone.now()
    if now - tracked.last_seen_at >= TOUCH_INTERVAL:
        UserSession.objects.filter(pk=tracked.pk).update(last_seen_at=now, ip=client_ip(request))


def user_session_is_idle(*, tracked: UserSession) -> bool:
    return timezone.now() - tracked.last_seen_at > timedelta(seconds=settings.SESSION_IDLE_TIMEOUT_SECONDS)


def session_revoke(
    *,
    tracked: UserSession,
    actor: User | None = None,
    request: HttpRequest | None = None,
    reason: str = "revoked",
) -> None:
    """End one session: delete it from the session cache and database, and forget it."""
    _session_store(tracked.session_key).delete()  # cached_db: removes the cache entry and the row
    audit_record(
        kind=AuditKind.SESSION_REVOKED,
        request=request,
        user=tracked.user,
        actor=actor,
        detail={"session": tracked.pk, "reason": reason},
    )
    tracked.delete()


def sessions_revoke_all(
    *,
    user: User,
    except_session_key: str | None = None,
    actor: User | None = None,
    request: HttpRequest | None = None,
    reason: str = "revoked",
) -> int:
    """End every session of ``user`` (but the one named); returns how many were ended."""
    ended = 0
    for tracked in UserSession.objects.filter(user=user).select_related("user"):
        if except_session_key and tracked.session_key == except_session_key:
            continue
        session_revoke(tracked=tracked, actor=actor, request=request, reason=reason)
        ended += 1
    return ended
