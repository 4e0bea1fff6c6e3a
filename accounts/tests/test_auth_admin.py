"""The operators' admin: state and actions on users, the read-only audit log, and never a secret."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django_celery_beat.models import PeriodicTask
from django_celery_results.models import TaskResult
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent, AuditKind, User, UserSession
from accounts.services.audit import audit_record
from accounts.services.invites import invite_create
from accounts.services.otp import recovery_codes_regenerate
from accounts.tests.auth_helpers import HOME_URL, full_login, password_post
from mailhelper.testing.auth import totp_device, user_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(db) -> User:
    return user_create(username="operator", is_staff=True, is_superuser=True)


def test_admin_pages_never_show_a_secret(operator, alice, verified_client):
    """GIVEN alice with password, TOTP key, recovery codes, a session and an invite WHEN the operator opens every
    admin page about them THEN none of those secrets is in the HTML (while the pages do show alice)."""
    codes = recovery_codes_regenerate(user=alice)
    link = invite_create(created_by=operator)
    alice_client = full_login(alice)
    session_key = alice_client.cookies["sessionid"].value
    secrets = [
        alice.password,
        alice.password.split("$")[-1],
        totp_device(alice).key,
        *codes,
        session_key,
        link.token,
        link.invite.token_hash,
    ]
    client = verified_client(operator)
    pages = [
        reverse("admin:accounts_user_changelist"),
        reverse("admin:accounts_user_change", args=[alice.pk]),
        reverse("admin:auth_user_password_change", args=[alice.pk]),
        reverse("admin:accounts_invite_changelist"),
        reverse("admin:accounts_invite_change", args=[link.invite.pk]),
        reverse("admin:accounts_auditevent_changelist"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "alice" in html or "invite" in html.lower()
        for secret in secrets:
            assert secret not in html, f"a secret appears in {url}"


def test_otp_device_admins_are_not_registered():
    """GIVEN the admin site WHEN its registry is read THEN django-otp's device admins (keys, codes) are absent."""
    assert not admin.site.is_registered(TOTPDevice)
    assert not admin.site.is_registered(StaticDevice)
    assert admin.site.is_registered(PeriodicTask)  # control: celery beat and results stay
    assert admin.site.is_registered(TaskResult)


def test_user_list_shows_2fa_lock_and_sessions(operator, alice, bob, verified_client):
    """GIVEN alice with 2FA and a session, bob without 2FA WHEN the user list opens THEN the columns tell them apart."""
    TOTPDevice.objects.filter(user=bob).delete()
    full_login(alice)
    response = verified_client(operator).get(reverse("admin:accounts_user_changelist"))
    rows = {obj.username: obj for obj in response.context["cl"].result_list}
    assert rows["alice"].has_totp is True
    assert rows["bob"].has_totp is False
    assert rows["alice"].sessions_total == 1


def _action(client: Client, action: str, user: User):
    return client.post(
        reverse("admin:accounts_user_changelist"), {"action": action, "_selected_action": [str(user.pk)]}
    )


def test_operator_resets_2fa_and_the_user_enrols_again(operator, alice, verified_client):
    """GIVEN alice logged in WHEN the operator resets her 2FA THEN her sessions end and her next login enrols."""
    alice_client = full_login(alice)
    assert _action(verified_client(operator), "reset_two_factor", alice).status_code == 302
    assert not TOTPDevice.objects.filter(user=alice).exists()
    assert alice_client.get(HOME_URL).status_code == 302
    client = Client()
    password_post(client, "alice")
    assert client.get(reverse("accounts:otp_verify"))["Location"] == reverse("accounts:otp_setup")
    assert AuditEvent.objects.filter(kind=AuditKind.OTP_RESET, user=alice, actor=operator).exists()


def test_operator_deactivates_a_user(operator, alice, bob, verified_client):
    """GIVEN alice logged in WHEN the operator deactivates her THEN she is out and cannot log in; bob can."""
    alice_client = full_login(alice)
    _action(verified_client(operator), "deactivate", alice)
    assert alice_client.get(HOME_URL).status_code == 302
    assert password_post(Client(), "alice").status_code == 200
    assert password_post(Client(), "bob").status_code == 302
    assert not UserSession.objects.filter(user=alice).exists()
    assert AuditEvent.objects.filter(kind=AuditKind.USER_DEACTIVATED, user=alice).exists()


def test_operator_unlocks_a_user(operator, alice, verified_client):
    """GIVEN locked alice WHEN the operator runs unlock THEN her lock is gone."""
    for _ in range(5):
        password_post(Client(), "alice", "wrong password 123", REMOTE_ADDR="198.51.100.20")
    assert password_post(Client(), "alice").status_code == 403
    _action(verified_client(operator), "unlock", alice)
    assert password_post(Client(), "alice").status_code == 302


def test_audit_log_is_read_only_and_filterable(operator, alice, verified_client):
    """GIVEN audit events WHEN the operator filters by kind THEN only those show, and nothing can be changed."""
    audit_record(kind=AuditKind.LOGIN_FAILED, user=alice)
    audit_record(kind=AuditKind.OTP_ENROLLED, user=alice)
    client = verified_client(operator)
    url = reverse("admin:accounts_auditevent_changelist")
    listed = client.get(url + "?kind__exact=login_failed").context["cl"].result_list
    assert [e.kind for e in listed] == ["login_failed"]
    event = AuditEvent.objects.first()
    assert event is not None
    assert client.get(reverse("admin:accounts_auditevent_add")).status_code == 403
    assert (
        client.post(reverse("admin:accounts_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code
        == 403
    )
    change = client.post(reverse("admin:accounts_auditevent_change", args=[event.pk]), {"kind": "logout"})
    assert change.status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).kind == event.kind


def test_invite_added_in_the_admin_shows_its_link_once(operator, verified_client):
    """GIVEN the operator WHEN she adds an invite in the admin THEN the link is shown in a message and works."""
    client = verified_client(operator)
    response = client.post(
        reverse("admin:accounts_invite_add"), {"email": "new@example.org", "note": "team"}, follow=True
    )
    message = next(str(m) for m in response.context["messages"])
    path = message.split("<code>")[1].split("</code>")[0].split("testserver", 1)[1]
    assert Client().get(path).status_code == 200
