"""Login with password and second factor, forced enrolment, recovery codes, logout."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent, AuditKind
from accounts.services.otp import recovery_codes_regenerate
from accounts.tests.auth_helpers import HOME_URL, OTP_URL, full_login, otp_post, password_post
from mailhelper.testing.auth import TEST_PASSWORD, totp_code, user_create

pytestmark = pytest.mark.django_db


def test_password_then_totp_code_reaches_the_dashboard(alice):
    """GIVEN alice with TOTP WHEN she logs in with password then code THEN the dashboard opens, login audited."""
    client = Client()
    response = password_post(client, "alice")
    assert response.status_code == 302
    assert response["Location"] == OTP_URL
    assert client.get(HOME_URL).status_code == 302  # password alone is not enough
    assert otp_post(client, totp_code(alice))["Location"] == HOME_URL
    assert client.get(HOME_URL).status_code == 200
    assert AuditEvent.objects.filter(kind=AuditKind.LOGIN_SUCCEEDED, user=alice).exists()


def test_wrong_password_is_refused_and_audited(alice):
    """GIVEN alice WHEN a wrong password is sent THEN the form says so, no session, a failed login is logged."""
    client = Client()
    response = password_post(client, "alice", "wrong password 123")
    assert response.status_code == 200
    assert b"Wrong user name or password" in response.content
    assert client.get(HOME_URL).status_code == 302
    assert AuditEvent.objects.filter(kind=AuditKind.LOGIN_FAILED, username="alice", user=alice).exists()
    assert password_post(Client(), "alice").status_code == 302  # control: the right password works


def test_wrong_totp_code_is_refused_and_audited(alice):
    """GIVEN alice after her password WHEN a wrong code is sent THEN she stays unverified, the failure is logged."""
    client = Client()
    password_post(client, "alice")
    wrong = f"{(int(totp_code(alice)) + 1) % 1000000:06d}"
    assert otp_post(client, wrong).status_code == 200
    assert client.get(HOME_URL).status_code == 302
    assert AuditEvent.objects.filter(kind=AuditKind.OTP_FAILED, user=alice).exists()
    full_login(alice)  # control


class CountingHasher(MD5PasswordHasher):
    """A real hasher that counts how often a password is hashed."""

    calls = 0

    def encode(self, password, salt):
        type(self).calls += 1
        return super().encode(password, salt)


def test_unknown_user_costs_the_same_password_hashing_as_a_known_one(settings, alice):
    """GIVEN a counting hasher WHEN unknown and known names log in with a wrong password THEN both hash once."""
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    alice.set_password(TEST_PASSWORD)
    alice.save()
    CountingHasher.calls = 0
    password_post(Client(), "alice", "wrong password 123")
    known = CountingHasher.calls
    CountingHasher.calls = 0
    password_post(Client(), "nobody-here", "wrong password 123")
    assert known == 1
    assert CountingHasher.calls == known


def test_first_login_forces_enrolment_before_anything_else(db):
    """GIVEN a user without 2FA WHEN she logs in THEN every page sends her to enrolment until she confirms a code."""
    dana = user_create(username="dana", with_totp=False)
    client = Client()
    password_post(client, "dana")
    assert client.get(OTP_URL)["Location"] == reverse("accounts:otp_setup")
    assert client.get(HOME_URL)["Location"] == OTP_URL
    page = client.get(reverse("accounts:otp_setup"))
    assert page.status_code == 200
    assert b"data:image/svg+xml" in page.content  # the QR code
    device = TOTPDevice.objects.get(user=dana, confirmed=False)
    assert page.context["enrolment"].manual_key.encode() in page.content
    response = client.post(reverse("accounts:otp_setup"), {"token": f"{totp(device.bin_key):06d}"})
    assert response.status_code == 200
    assert len(response.context["codes"]) == 10
    assert client.get(HOME_URL).status_code == 200
    assert AuditEvent.objects.filter(kind=AuditKind.OTP_ENROLLED, user=dana).exists()


def test_enrolment_page_is_closed_to_users_who_have_a_device(alice):
    """GIVEN alice with TOTP and only her password WHEN she opens enrolment THEN she is sent to verification."""
    client = Client()
    password_post(client, "alice")
    assert client.get(reverse("accounts:otp_setup"))["Location"] == OTP_URL
    assert TOTPDevice.objects.filter(user=alice).count() == 1


def test_a_recovery_code_works_exactly_once(alice):
    """GIVEN alice's recovery codes WHEN one is used twice THEN the first login succeeds and the second is refused."""
    code = recovery_codes_regenerate(user=alice)[0]
    first = Client()
    password_post(first, "alice")
    assert otp_post(first, code)["Location"] == HOME_URL
    assert AuditEvent.objects.filter(kind=AuditKind.RECOVERY_CODE_USED, user=alice).count() == 1
    second = Client()
    password_post(second, "alice")
    assert otp_post(second, code).status_code == 200
    assert second.get(HOME_URL).status_code == 302
    assert StaticToken.objects.filter(device__user=alice).count() == 9


def test_regenerating_recovery_codes_replaces_the_old_ones(alice, verified_client):
    """GIVEN old codes WHEN alice makes new ones THEN ten new codes are shown and the old ones are gone."""
    old = recovery_codes_regenerate(user=alice)
    response = verified_client(alice).post(reverse("accounts:recovery_codes_new"))
    new = response.context["codes"]
    assert len(new) == 10
    assert not set(new) & set(old)
    assert set(StaticToken.objects.filter(device__user=alice).values_list("token", flat=True)) == set(new)
    assert AuditEvent.objects.filter(kind=AuditKind.RECOVERY_CODES_REGENERATED, user=alice).exists()


def test_logout_ends_the_session(alice):
    """GIVEN a logged-in alice WHEN she logs out THEN the dashboard needs a login again."""
    client = full_login(alice)
    assert client.get(HOME_URL).status_code == 200
    client.post(reverse("accounts:logout"))
    assert client.get(HOME_URL).status_code == 302
    assert AuditEvent.objects.filter(kind=AuditKind.LOGOUT, user=alice).exists()


def test_login_returns_to_the_page_asked_for(alice):
    """GIVEN a ?next= page WHEN alice completes the login THEN she lands there; a foreign host is ignored."""
    client = Client()
    client.post(
        reverse("accounts:login") + "?next=/account/security/",
        {"username": "alice", "password": TEST_PASSWORD},
    )
    assert otp_post(client, totp_code(alice))["Location"] == "/account/security/"
    evil = Client()
    evil.post(
        reverse("accounts:login") + "?next=https://evil.example/",
        {"username": "alice", "password": TEST_PASSWORD},
    )
    code = recovery_codes_regenerate(user=alice)[0]  # a TOTP code is accepted once per time step
    assert otp_post(evil, code)["Location"] == HOME_URL


@pytest.mark.parametrize("with_totp", [True, False])
def test_second_factor_pages_show_no_navigation_but_logout(db, with_totp):
    """GIVEN dana with only her password entered WHEN the second-factor (or enrolment) page is shown THEN the top
    bar offers no way into the app (nav, settings-like menu entries) but still lets her log out."""
    user_create(username="dana", with_totp=with_totp)
    client = Client()
    password_post(client, "dana")
    page = client.get(OTP_URL if with_totp else reverse("accounts:otp_setup"))
    assert page.status_code == 200
    content = page.content.decode()
    assert 'class="mainnav"' not in content
    for name in (
        "emails:list",
        "mailaccounts:list",
        "emails:settings",
        "accounts:security",
        "accounts:sessions",
    ):
        assert f'href="{reverse(name)}"' not in content, name
    assert f'action="{reverse("accounts:logout")}"' in content
