"""Lockout after five failed passwords or 2FA codes, per account and per client IP, released after the window."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEvent, AuditKind
from accounts.services.lockout import lockout_release, user_lockout_until
from accounts.tests.auth_helpers import HOME_URL, OTP_URL, otp_post, password_post
from mailhelper.testing.auth import totp_code

pytestmark = pytest.mark.django_db

WRONG = "wrong password 123"


def _fail_passwords(username: str, times: int = 5, **extra: str) -> None:
    for _ in range(times):
        password_post(Client(), username, WRONG, **extra)


def test_five_wrong_passwords_lock_the_account(alice):
    """GIVEN five wrong passwords for alice WHEN the right one follows THEN it is refused with a lockout page."""
    _fail_passwords("alice", 4)
    assert password_post(Client(), "alice")["Location"] == OTP_URL  # control: four failures do not lock
    _fail_passwords("alice", 5, REMOTE_ADDR="198.51.100.1")
    response = password_post(
        Client(), "alice", REMOTE_ADDR="198.51.100.2"
    )  # another IP: the account is locked
    assert response.status_code == 403
    assert b"Too many failed attempts" in response.content
    assert user_lockout_until(user=alice) is not None
    assert AuditEvent.objects.filter(kind=AuditKind.LOCKOUT, user=alice, detail__scope="account").exists()


def test_the_lockout_ends_after_the_window(alice, settings):
    """GIVEN a locked account WHEN the configured window has passed THEN the right password works again."""
    settings.LOCKOUT_SECONDS = 900
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        _fail_passwords("alice")
        assert password_post(Client(), "alice").status_code == 403
        traveller.shift(timedelta(seconds=899))
        assert password_post(Client(), "alice").status_code == 403
        traveller.shift(timedelta(seconds=2))
        assert password_post(Client(), "alice")["Location"] == OTP_URL


def test_five_failures_from_one_ip_lock_that_ip_for_every_account(alice, bob):
    """GIVEN five wrong passwords for different names from one IP WHEN bob logs in from it THEN he is refused."""
    for name in ("x1", "x2", "x3", "x4", "x5"):
        password_post(Client(), name, WRONG, REMOTE_ADDR="203.0.113.9")
    assert password_post(Client(), "bob", REMOTE_ADDR="203.0.113.9").status_code == 403
    assert password_post(Client(), "bob", REMOTE_ADDR="203.0.113.10")["Location"] == OTP_URL  # control
    assert AuditEvent.objects.filter(kind=AuditKind.LOCKOUT, detail__scope="ip").exists()


def test_five_wrong_2fa_codes_lock_the_account_and_end_the_session(alice):
    """GIVEN alice after her password WHEN five wrong codes are sent THEN she is logged out and locked."""
    client = Client()
    password_post(client, "alice")
    for _ in range(4):
        assert otp_post(client, "000000").status_code == 200
    response = otp_post(client, "000000")
    assert response.status_code == 403
    assert b"Too many failed attempts" in response.content
    assert client.get(HOME_URL).status_code == 302
    assert password_post(Client(), "alice").status_code == 403


def test_an_operator_can_unlock_an_account(alice, charlie):
    """GIVEN locked alice WHEN an operator unlocks her THEN her password works and the unlock is audited."""
    _fail_passwords("alice", REMOTE_ADDR="198.51.100.3")  # that IP stays locked; the account is released
    assert password_post(Client(), "alice").status_code == 403
    lockout_release(user=alice, actor=charlie)
    client = Client()
    assert password_post(client, "alice")["Location"] == OTP_URL
    assert otp_post(client, totp_code(alice))["Location"] == HOME_URL
    assert AuditEvent.objects.filter(kind=AuditKind.UNLOCKED, user=alice, actor=charlie).exists()
