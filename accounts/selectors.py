"""Reads for the account pages, always scoped to one user."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Invite, User, UserSession

_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def user_agent_describe(user_agent: str) -> str:
    """A short human name for a browser ("Firefox on Linux"); the raw string when nothing is recognised."""
    browser = next((name for marker, name in _BROWSERS if marker in user_agent), "")
    system = next((name for marker, name in _SYSTEMS if re.search(re.escape(marker), user_agent)), "")
    if browser and system:
        return f"{browser} · {system}"
    return browser or system or (user_agent[:60] or "?")


@dataclass(frozen=True)
class SessionRow:
    id: int
    device: str
    ip: str
    created_at: datetime
    last_seen_at: datetime
    is_current: bool


def user_sessions_live(*, user: User) -> QuerySet[UserSession]:
    """The user's tracked sessions that still exist and have not passed the idle timeout."""
    now = timezone.now()
    live_keys = Session.objects.filter(expire_date__gt=now).values("session_key")
    idle_since = now - timedelta(seconds=settings.SESSION_IDLE_TIMEOUT_SECONDS)
    return UserSession.objects.filter(user=user, session_key__in=live_keys, last_seen_at__gte=idle_since)


def sessions_for_user(*, user: User, current_session_key: str | None) -> list[SessionRow]:
    return [
        SessionRow(
            id=s.pk,
            device=user_agent_describe(s.user_agent),
            ip=s.ip or "-",
            created_at=s.created_at,
            last_seen_at=s.last_seen_at,
            is_current=s.session_key == current_session_key,
        )
        for s in user_sessions_live(user=user)
    ]


def invites_for_user(*, user: User) -> QuerySet[Invite]:
    """Invites the user created (operators see theirs here and everyone's in the admin)."""
    return Invite.objects.filter(created_by=user).select_related("used_by")
