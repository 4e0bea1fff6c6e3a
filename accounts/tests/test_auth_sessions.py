"""Sessions: listed per user, revocable (from DB and cache), ended by a password change and by inactivity."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, AuditKind, UserSession
from accounts.tests.auth_helpers import HOME_URL, full_login, password_post
from mailhelper.testing.auth import TEST_PASSWORD

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a brand new passphrase 77"
SESSIONS_URL = reverse("accounts:sessions")


def _session_key(client: Client) -> str:
    return client.cookies["sessionid"].value


def test_login_is_listed_with_device_and_ip(alice):
    """GIVEN alice logged in from Firefox WHEN she opens her sessions THEN it shows that device and IP."""
    client = full_login(
        alice, HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
    )
    response = client.get(SESSIONS_URL)
    assert response.status_code == 200
    rows = response.context["sessions"]
    assert len(rows) == 1
    assert rows[0].device == "Firefox · Linux"
    assert rows[0].ip == "127.0.0.1"
    assert rows[0].is_current


def test_sessions_of_other_users_are_not_listed(alice, charlie):
    """GIVEN sessions of alice and charlie WHEN charlie lists his THEN only his own appear."""
    full_login(alice)
    charlie_client = full_login(charlie)
    rows = charlie_client.get(SESSIONS_URL).context["sessions"]
    assert len(rows) == 1
    assert UserSession.objects.filter(user=alice).count() == 1  # control: alice's exists


def test_revoking_a_session_deletes_it_from_db_and_cache(alice):
    """GIVEN alice on two devices WHEN she revokes the other THEN that one is logged out, gone from DB and cache."""
    laptop, phone = full_login(alice), full_login(alice)
    phone_key = _session_key(phone)
    tracked = UserSession.objects.get(session_key=phone_key)
    assert phone.get(HOME_URL).status_code == 200
    response = laptop.post(reverse("accounts:session_revoke", args=[tracked.pk]))
    assert response.status_code == 302
    assert phone.get(HOME_URL).status_code == 302
    assert laptop.get(HOME_URL).status_code == 200  # control: the revoking session stays
    assert not Session.objects.filter(session_key=phone_key).exists()
    assert caches["sessions"].get(f"django.contrib.sessions.cached_db{phone_key}") is None
    assert AuditEvent.objects.filter(kind=AuditKind.SESSION_REVOKED, user=alice).exists()


def test_nobody_can_revoke_someone_elses_session(alice, charlie):
    """GIVEN a session of alice WHEN charlie tries to revoke it THEN 404 and alice stays logged in."""
    alice_client = full_login(alice)
    tracked = UserSession.objects.get(session_key=_session_key(alice_client))
    response = full_login(charlie).post(reverse("accounts:session_revoke", args=[tracked.pk]))
    assert response.status_code == 404
    assert alice_client.get(HOME_URL).status_code == 200


def test_log_out_everywhere_ends_every_session(alice, bob):
    """GIVEN alice on two devices and bob WHEN alice logs out everywhere THEN both of hers end, bob's stays."""
    laptop, phone, bob_client = full_login(alice), full_login(alice), full_login(bob)
    laptop.post(reverse("accounts:sessions_revoke_all"))
    assert laptop.get(HOME_URL).status_code == 302
    assert phone.get(HOME_URL).status_code == 302
    assert bob_client.get(HOME_URL).status_code == 200
    assert not UserSession.objects.filter(user=alice).exists()


def test_password_change_ends_the_other_sessions(alice):
    """GIVEN alice on two devices WHEN she changes her password on one THEN the other is logged out, this one not."""
    laptop, phone = full_login(alice), full_login(alice)
    response = laptop.post(
        reverse("accounts:password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert laptop.get(HOME_URL).status_code == 200
    assert phone.get(HOME_URL).status_code == 302
    assert len(laptop.get(SESSIONS_URL).context["sessions"]) == 1
    assert AuditEvent.objects.filter(kind=AuditKind.PASSWORD_CHANGED, user=alice).exists()


def test_password_change_needs_at_least_12_characters(alice, verified_client):
    """GIVEN an 11-character password WHEN alice sets it THEN it is refused; the old one still works."""
    response = verified_client(alice).post(
        reverse("accounts:password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": "xq7!zk2#pw9", "new_password2": "xq7!zk2#pw9"},
    )
    assert response.status_code == 200
    alice.refresh_from_db()
    assert alice.check_password(TEST_PASSWORD)


def test_idle_sessions_end_after_the_timeout(alice, settings):
    """GIVEN an idle timeout of an hour WHEN alice comes back after 61 minutes THEN she must log in again."""
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 3600
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client = full_login(alice)
        traveller.shift(timedelta(minutes=59))
        assert client.get(HOME_URL).status_code == 200  # active within the hour: still in (and touched)
        traveller.shift(timedelta(minutes=59))
        assert client.get(HOME_URL).status_code == 200
        traveller.shift(timedelta(minutes=61))
        assert client.get(HOME_URL).status_code == 302
    assert AuditEvent.objects.filter(kind=AuditKind.SESSION_EXPIRED, user=alice).exists()


def test_password_reset_mails_a_link_and_never_bypasses_2fa(alice):
    """GIVEN a reset link WHEN alice sets a new password THEN all sessions end and login still asks for the code."""
    old_session = full_login(alice)
    Client().post(reverse("accounts:password_reset"), {"email": "alice@example.org"})
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/account/password/reset/" in line)
    path = link.split("://", 1)[1].split("/", 1)[1]
    client = Client()
    form_url = client.get("/" + path)["Location"]  # Django swaps the token for a session-bound URL
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response["Location"] == reverse("accounts:password_reset_complete")
    assert client.get(HOME_URL).status_code == 302  # not logged in by the reset
    assert old_session.get(HOME_URL).status_code == 302  # every old session ended
    fresh = Client()
    assert password_post(fresh, "alice", NEW_PASSWORD)["Location"] == reverse("accounts:otp_verify")
    assert fresh.get(HOME_URL).status_code == 302  # the new password alone is not enough
    assert AuditEvent.objects.filter(kind=AuditKind.PASSWORD_RESET_REQUESTED, user=alice).exists()
    assert AuditEvent.objects.filter(
        kind=AuditKind.PASSWORD_CHANGED, user=alice, detail__via="password reset"
    ).exists()
