"""Rate limits answer 429 with a clear page on login, 2FA, password reset, setup and invite acceptance."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.services.invites import invite_create
from accounts.tests.auth_helpers import OTP_URL, otp_post, password_post
from mailhelper.testing.auth import password_only_client_for

pytestmark = pytest.mark.django_db


def _assert_429(response) -> None:
    assert response.status_code == 429
    assert b"Too many requests" in response.content
    assert response["Retry-After"]


def test_login_is_rate_limited(settings, alice):
    """GIVEN a limit of 3 logins a minute WHEN a fourth is posted THEN it gets 429; the first three do not."""
    settings.RATELIMIT_LOGIN = "3/m"
    client = Client()
    for _ in range(3):
        assert password_post(client, "nobody", "wrong password 123").status_code == 200
    _assert_429(password_post(client, "alice"))


def test_2fa_is_rate_limited(settings, alice):
    """GIVEN a limit of 2 codes a minute WHEN a third is posted THEN it gets 429."""
    settings.RATELIMIT_OTP = "2/m"
    client = password_only_client_for(alice)
    assert otp_post(client, "000000").status_code == 200
    assert otp_post(client, "000000").status_code == 200
    _assert_429(otp_post(client, "000000"))


def test_password_reset_is_rate_limited(settings, alice):
    """GIVEN a limit of 2 resets a minute WHEN a third is asked THEN it gets 429."""
    settings.RATELIMIT_PASSWORD_RESET = "2/m"
    url = reverse("accounts:password_reset")
    client = Client()
    assert client.post(url, {"email": "alice@example.org"}).status_code == 302
    assert client.post(url, {"email": "alice@example.org"}).status_code == 302
    _assert_429(client.post(url, {"email": "alice@example.org"}))


def test_invite_acceptance_is_rate_limited(settings, charlie):
    """GIVEN a limit of 2 invite requests a minute WHEN a third (even a guess) arrives THEN it gets 429."""
    settings.RATELIMIT_INVITE = "2/m"
    link = invite_create(created_by=charlie)
    client = Client()
    assert client.get(link.path).status_code == 200
    assert client.get(reverse("accounts:invite_accept", args=["guess"])).status_code == 404
    _assert_429(client.get(link.path))


def test_setup_is_rate_limited(settings, db):
    """GIVEN no users and a limit of 2 a minute WHEN the setup page is asked a third time THEN it gets 429."""
    settings.RATELIMIT_INVITE = "2/m"
    client = Client()
    assert client.get(reverse("accounts:setup") + "?token=guess").status_code == 403
    assert client.get(reverse("accounts:setup") + "?token=guess").status_code == 403
    _assert_429(client.get(reverse("accounts:setup") + "?token=guess"))


def test_rate_limits_count_per_client_ip(settings, alice):
    """GIVEN one IP over the login limit WHEN another IP logs in THEN it is not limited."""
    settings.RATELIMIT_LOGIN = "1/m"
    password_post(Client(), "alice", "wrong password 123", REMOTE_ADDR="198.51.100.7")
    _assert_429(password_post(Client(), "alice", REMOTE_ADDR="198.51.100.7"))
    assert password_post(Client(), "alice", REMOTE_ADDR="198.51.100.8")["Location"] == OTP_URL
