"""First-run setup with the console token, invite-only registration, and the two launcher commands."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent, AuditKind, Invite, User
from accounts.services.demo import DemoModeDisabled, demo_user_ensure
from accounts.services.invites import invite_create
from accounts.services.setup import setup_token_issue
from accounts.tests.auth_helpers import HOME_URL, otp_post, password_post

pytestmark = pytest.mark.django_db
SETUP_URL = reverse("accounts:setup")
PASSWORD = "first admin passphrase 2026"


def _new_user(username: str, **extra: str) -> dict[str, str]:
    return {
        "username": username,
        "email": f"{username}@example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **extra,
    }


def test_setup_needs_the_console_token(db):
    """GIVEN no users WHEN setup is opened without or with a wrong token THEN 403; with the token THEN the form."""
    token = setup_token_issue()
    assert Client().get(SETUP_URL).status_code == 403
    assert Client().get(SETUP_URL + "?token=wrong").status_code == 403
    assert Client().post(SETUP_URL, _new_user("root", token="wrong")).status_code == 403
    assert not User.objects.exists()
    assert Client().get(f"{SETUP_URL}?token={token}").status_code == 200


def test_setup_creates_the_first_admin_and_then_disappears(db):
    """GIVEN the token WHEN the first admin is created THEN she is a superuser sent to enrolment, and setup is gone."""
    token = setup_token_issue()
    assert token is not None
    client = Client()
    response = client.post(SETUP_URL, _new_user("root", token=token))
    assert response["Location"] == reverse("accounts:otp_setup")
    root = User.objects.get(username="root")
    assert root.is_superuser
    assert root.is_staff
    assert client.get(HOME_URL)["Location"] == reverse("accounts:otp_verify")  # 2FA first
    assert Client().get(f"{SETUP_URL}?token={token}").status_code == 404
    assert Client().post(SETUP_URL, _new_user("mallory", token=token)).status_code == 404
    assert setup_token_issue() is None
    assert AuditEvent.objects.filter(kind=AuditKind.SETUP_COMPLETED, user=root).exists()


def test_setup_is_gone_once_any_user_exists(alice):
    """GIVEN a user (e.g. from createsuperuser) WHEN setup is opened THEN 404 and no token is issued."""
    assert setup_token_issue() is None
    assert Client().get(SETUP_URL + "?token=anything").status_code == 404


def test_setup_token_command_prints_the_url_only_while_no_user_exists(db):
    """GIVEN no users WHEN setup_token runs THEN it prints a working URL; after a user exists it says setup is closed."""
    out = StringIO()
    call_command("setup_token", stdout=out)
    url = next(word for word in out.getvalue().split() if "/account/setup/?token=" in word)
    assert Client().get(url.split("8000", 1)[1]).status_code == 200
    User.objects.create_user(username="someone", password=PASSWORD)
    out = StringIO()
    call_command("setup_token", stdout=out)
    assert "token=" not in out.getvalue()
    assert "closed" in out.getvalue()


def test_an_invite_creates_exactly_one_user(charlie):
    """GIVEN an invite WHEN it is accepted THEN the user exists and must enrol; a second use is refused."""
    link = invite_create(created_by=charlie, email="dana@example.org")
    client = Client()
    response = client.post(link.path, _new_user("dana"))
    assert response["Location"] == reverse("accounts:otp_setup")
    assert User.objects.filter(username="dana").exists()
    assert client.get(HOME_URL)["Location"] == reverse("accounts:otp_verify")
    again = Client().post(link.path, _new_user("eve"))
    assert again.status_code == 404
    assert not User.objects.filter(username="eve").exists()
    invite = Invite.objects.get(pk=link.invite.pk)
    assert invite.used_by is not None
    assert invite.used_by.username == "dana"
    assert AuditEvent.objects.filter(kind=AuditKind.INVITE_CREATED, actor=charlie).exists()
    assert AuditEvent.objects.filter(kind=AuditKind.INVITE_USED, user__username="dana").exists()


def test_an_expired_invite_is_refused(charlie, settings):
    """GIVEN an invite valid for a day WHEN it is opened after 25 hours THEN 404; after 23 hours THEN the form."""
    settings.INVITE_MAX_AGE_SECONDS = 24 * 3600
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        link = invite_create(created_by=charlie)
        traveller.shift(timedelta(hours=23))
        assert Client().get(link.path).status_code == 200
        traveller.shift(timedelta(hours=2))
        assert Client().get(link.path).status_code == 404
        assert Client().post(link.path, _new_user("late")).status_code == 404
    assert not User.objects.filter(username="late").exists()


def test_invite_passwords_follow_the_validators(charlie):
    """GIVEN an invite WHEN the password is short THEN no user is created and the invite stays open."""
    link = invite_create(created_by=charlie)
    response = Client().post(link.path, _new_user("dana", password1="short1!", password2="short1!"))
    assert response.status_code == 200
    assert not User.objects.filter(username="dana").exists()
    assert Invite.objects.get(pk=link.invite.pk).used_at is None


def test_only_operators_or_permitted_users_create_invites(alice, verified_client):
    """GIVEN alice without the permission WHEN she opens invites THEN 403; staff THEN a link is shown."""
    url = reverse("accounts:invites")
    assert verified_client(alice).get(url).status_code == 403
    alice.is_staff = True
    alice.save()
    response = verified_client(alice).post(url, {"email": "friend@example.org", "note": ""})
    assert response.status_code == 200
    assert response.context["link"].path.encode() in response.content
    assert Invite.objects.filter(created_by=alice, email="friend@example.org").exists()


def test_demo_user_command_refuses_without_demo_mode(settings, db):
    """GIVEN DEMO_MODE off WHEN demo_user runs THEN it refuses and creates nobody."""
    settings.DEMO_MODE = False
    with pytest.raises(CommandError):
        call_command("demo_user", stdout=StringIO())
    with pytest.raises(DemoModeDisabled):
        demo_user_ensure()
    assert not User.objects.exists()


def test_demo_user_is_idempotent_and_its_credentials_log_in(settings, db):
    """GIVEN demo mode WHEN demo_user runs twice THEN one user with 2FA, and the printed credentials log in."""
    settings.DEMO_MODE = True
    out = StringIO()
    call_command("demo_user", stdout=out)
    first = demo_user_ensure()
    assert User.objects.filter(username="demo").count() == 1
    assert TOTPDevice.objects.filter(user__username="demo", confirmed=True).count() == 1
    assert first.otpauth_uri.startswith("otpauth://totp/")
    assert "otpauth://totp/" in out.getvalue()
    client = Client()
    assert password_post(client, first.username, first.password).status_code == 302
    assert otp_post(client, first.recovery_code)["Location"] == HOME_URL
    assert StaticToken.objects.filter(device__user__username="demo").count() >= 1
