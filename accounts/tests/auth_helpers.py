"""Shared steps of the login tests: drive the real views, as a browser would."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from mailhelper.testing.auth import TEST_PASSWORD, totp_code

LOGIN_URL = reverse("accounts:login")
OTP_URL = reverse("accounts:otp_verify")
HOME_URL = reverse("home")


def password_post(client: Client, username: str, password: str = TEST_PASSWORD, **extra: Any):
    return client.post(LOGIN_URL, {"username": username, "password": password}, **extra)


def otp_post(client: Client, token: str, **extra: Any):
    return client.post(OTP_URL, {"token": token}, **extra)


def full_login(user: User, *, client: Client | None = None, **extra: str) -> Client:
    """Password and current TOTP code through the real views; returns the verified client."""
    client = client or Client()
    # A TOTP code is accepted once per 30-second step; a second login in the same step stands for the next step.
    TOTPDevice.objects.filter(user=user).update(last_t=-1)
    assert password_post(client, user.username, **extra).status_code == 302
    assert otp_post(client, totp_code(user), **extra).status_code == 302
    return client
