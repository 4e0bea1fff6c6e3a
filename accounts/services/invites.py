"""Invite-only registration: expiring, single-use links; only the token's hash is stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditKind, Invite, User
from accounts.services.audit import audit_record


class InviteInvalid(Exception):
    """The invite does not exist, has expired or was used already (deliberately not saying which)."""


@dataclass(frozen=True)
class InviteLink:
    invite: Invite
    token: str

    @property
    def path(self) -> str:
        return reverse("accounts:invite_accept", args=[self.token])

    @property
    def url(self) -> str:
        return settings.SITE_URL + self.path

    def __repr__(self) -> str:  # the token is a bearer secret
        return f"<InviteLink invite={self.invite.pk}>"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_can_invite(*, user: User) -> bool:
    return user.is_active and (user.is_staff or user.has_perm("accounts.add_invite"))


def invite_create(
    *,
    created_by: User | None,
    email: str = "",
    note: str = "",
    max_age_seconds: int | None = None,
    request: HttpRequest | None = None,
) -> InviteLink:
    """A new invite; the returned link is the only time the token is known."""
    token = secrets.token_urlsafe(32)
    age = timedelta(
        seconds=max_age_seconds if max_age_seconds is not None else settings.INVITE_MAX_AGE_SECONDS
    )
    invite = Invite.objects.create(
        token_hash=token_hash(token),
        email=email,
        note=note,
        created_by=created_by,
        expires_at=timezone.now() + age,
    )
    audit_record(
        kind=AuditKind.INVITE_CREATED,
        request=request,
        user=created_by,
        actor=created_by,
        detail={"invite": invite.pk, "email": email},
    )
    return InviteLink(invite=invite, token=token)


def invite_usable_lookup(*, token: str) -> Invite | None:
    invite = Invite.objects.filter(token_hash=token_hash(token)).first()
    return invite if invite is not None and invite.is_usable else None


def invite_accept(
    *, token: str, username: str, email: str, password: str, request: HttpRequest | None = None
) -> User:
    """Create the invited user and use up the invite, atomically (two tabs cannot both succeed)."""
    with transaction.atomic():
        invite = Invite.objects.select_for_update().filter(token_hash=token_hash(token)).first()
        if invite is None or not invite.is_usable:
            raise InviteInvalid
        candidate = User(username=username, email=email)
        validate_password(password, user=candidate)
        user = User.objects.create_user(username=username, email=email, password=password)
        invite.used_at = timezone.now()
        invite.used_by = user
        invite.save(update_fields=["used_at", "used_by"])
    audit_record(kind=AuditKind.INVITE_USED, request=request, user=user, detail={"invite": invite.pk})
    return user
