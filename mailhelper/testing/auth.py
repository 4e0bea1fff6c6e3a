"""Users and sessions for tests: alice, bob, charlie, and sessions that passed the second factor."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User

TEST_PASSWORD = "correct horse battery staple 42"


def user_create(
    *, username: str, password: str = TEST_PASSWORD, with_totp: bool = True, **fields: Any
) -> User:
    """A user; with a confirmed TOTP device unless ``with_totp`` is False (the enrolment tests want none)."""
    user = User.objects.create_user(
        username=username, email=f"{username}@example.org", password=password, **fields
    )
    if with_totp:
        TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    return user


def totp_device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by(
        "pk"
    ).first() or TOTPDevice.objects.create(user=user, name="default", confirmed=True)


def verified_session_key(user: User) -> str:
    """A saved session in which ``user`` is logged in and verified with their TOTP device."""
    engine = import_module(settings.SESSION_ENGINE)
    session = engine.SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
    session.save()
    return str(session.session_key)


def verified_client_for(user: User) -> Client:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = verified_session_key(user)
    return client


def totp_code(user: User) -> str:
    """The current six-digit code of the user's confirmed TOTP device."""
    from django_otp.oath import totp

    return f"{totp(totp_device(user).bin_key):06d}"


def password_only_client_for(user: User) -> Client:
    """A test client logged in with the password only: the second factor has not been passed."""
    client = Client()
    client.force_login(user)
    return client
