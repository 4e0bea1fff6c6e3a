"""First run: a one-time setup token (printed on the server console) lets someone create the first admin."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpRequest
from django.urls import reverse

from accounts.models import AuditKind, User
from accounts.services.audit import audit_record

# Only the hash sits in the shared cache, so every web process can check it and a cache dump does not leak it.
SETUP_TOKEN_CACHE_KEY = "accounts:setup-token-sha256"  # noqa: S105 - a cache key, not a secret
SETUP_ADVISORY_LOCK = 0x6D68_5345_5455  # "mhSETU": any constant unique to this purpose


class SetupUnavailable(Exception):
    """A user exists already, or the token is wrong or expired."""


def setup_is_open() -> bool:
    return not User.objects.exists()


def setup_token_issue() -> str | None:
    """A new one-time setup token while no user exists (replacing any earlier one); None once one does."""
    if not setup_is_open():
        cache.delete(SETUP_TOKEN_CACHE_KEY)
        return None
    token = secrets.token_urlsafe(24)
    cache.set(
        SETUP_TOKEN_CACHE_KEY,
        hashlib.sha256(token.encode()).hexdigest(),
        timeout=settings.SETUP_TOKEN_MAX_AGE_SECONDS,
    )
    return token


def setup_url(token: str) -> str:
    return f"{settings.SITE_URL}{reverse('accounts:setup')}?token={token}"


def setup_token_is_valid(*, token: str) -> bool:
    expected = cache.get(SETUP_TOKEN_CACHE_KEY)
    if not token or not expected or not setup_is_open():
        return False
    return secrets.compare_digest(expected, hashlib.sha256(token.encode()).hexdigest())


def first_admin_create(
    *, token: str, username: str, email: str, password: str, request: HttpRequest | None = None
) -> User:
    """Create the first administrator with the setup token, which is then used up."""
    with transaction.atomic():
        # Serialise concurrent attempts: "no user exists yet" must still hold when we commit.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SETUP_ADVISORY_LOCK])
        if not setup_token_is_valid(token=token):
            raise SetupUnavailable
        validate_password(password, user=User(username=username, email=email))
        user = User.objects.create_superuser(username=username, email=email, password=password)
    cache.delete(SETUP_TOKEN_CACHE_KEY)
    audit_record(kind=AuditKind.SETUP_COMPLETED, request=request, user=user)
    return user
