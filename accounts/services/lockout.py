"""Lockout after repeated failed passwords or second-factor codes, per account name and per client IP.

State lives in the database with timestamps (not in cache TTLs) so the window can be reasoned about,
shown in the admin and moved through time in tests.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import AuditKind, AuthFailure, Lockout, LockScope, User
from accounts.services.audit import audit_record


def account_key(username: str) -> str:
    """The lock key of an account name: as typed, case-folded, so known and unknown names behave alike."""
    return username.strip().casefold()[:255]


def _window() -> timedelta:
    return timedelta(seconds=settings.LOCKOUT_SECONDS)


def lockout_until(*, username: str, ip: str) -> datetime | None:
    """When the later of the account's and the IP's lock ends, or None when neither is locked."""
    now = timezone.now()
    ends = Lockout.objects.filter(locked_until__gt=now).filter(
        scope=LockScope.ACCOUNT, key=account_key(username)
    ) | Lockout.objects.filter(locked_until__gt=now, scope=LockScope.IP, key=ip)
    latest = ends.order_by("-locked_until").values_list("locked_until", flat=True).first()
    return latest


def user_lockout_until(*, user: User) -> datetime | None:
    """The account lock of a user (for the admin), or None."""
    return (
        Lockout.objects.filter(
            scope=LockScope.ACCOUNT, key=account_key(user.get_username()), locked_until__gt=timezone.now()
        )
        .values_list("locked_until", flat=True)
        .first()
    )


def auth_failure_record(
    *, username: str, ip: str, request: HttpRequest | None = None, user: User | None = None
) -> datetime | None:
    """Count one failure for the account name and the IP; lock either that reached the threshold.

    Returns the end of the lock when this failure caused (or met) one, else None.
    """
    now = timezone.now()
    since = now - _window()
    locked: datetime | None = None
    with transaction.atomic():
        for scope, key in ((LockScope.ACCOUNT, account_key(username)), (LockScope.IP, ip)):
            AuthFailure.objects.create(scope=scope, key=key, created_at=now)
            recent = AuthFailure.objects.filter(scope=scope, key=key, created_at__gt=since).count()
            if recent >= settings.LOCKOUT_THRESHOLD:
                until = now + _window()
                Lockout.objects.update_or_create(
                    scope=scope, key=key, defaults={"locked_until": until, "created_at": now}
                )
                AuthFailure.objects.filter(scope=scope, key=key).delete()  # a fresh count after the lock ends
                audit_record(
                    kind=AuditKind.LOCKOUT,
                    request=request,
                    user=user,
                    username=username,
                    detail={"scope": str(scope), "until": until.isoformat()},
                )
                locked = until
    return locked


def auth_failures_clear(*, username: str) -> None:
    """A successful login forgets the account's earlier failures (the IP's stay: one good account must
    not wash an attacker's address clean)."""
    AuthFailure.objects.filter(scope=LockScope.ACCOUNT, key=account_key(username)).delete()


def lockout_release(*, user: User, actor: User | None = None, request: HttpRequest | None = None) -> bool:
    """An operator unlocks an account; True if it was locked."""
    key = account_key(user.get_username())
    deleted, _ = Lockout.objects.filter(scope=LockScope.ACCOUNT, key=key).delete()
    AuthFailure.objects.filter(scope=LockScope.ACCOUNT, key=key).delete()
    audit_record(kind=AuditKind.UNLOCKED, request=request, user=user, actor=actor)
    return deleted > 0
