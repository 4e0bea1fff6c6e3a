"""The language saved in the profile follows the user to every new browser: applied at login, set at sign-up."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.services.invites import invite_create
from accounts.tests.auth_helpers import HOME_URL, LOGIN_URL, OTP_URL, full_login, password_post

pytestmark = pytest.mark.django_db
PASSWORD = "invited passphrase 2026"


def _language_cookie(client: Client) -> str | None:
    cookie = client.cookies.get(settings.LANGUAGE_COOKIE_NAME)
    return cookie.value if cookie is not None else None


def test_saved_german_is_applied_when_logging_in_from_a_fresh_browser(alice):
    """GIVEN alice whose profile says German and a new browser asking for English WHEN she logs in
    THEN the second-factor page and every page after it are German."""
    alice.language = "de"
    alice.save(update_fields=["language"])
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    login_page = client.get(LOGIN_URL).content.decode()
    assert '<html lang="en"' in login_page  # before the login the browser's wish counts
    assert _language_cookie(client) is None

    password_post(client, "alice")
    assert _language_cookie(client) == "de"
    assert "Bestätigen" in client.get(OTP_URL).content.decode()

    full_login(alice, client=client)
    home = client.get(HOME_URL).content.decode()
    assert '<html lang="de"' in home
    assert "Abmelden" in home
    assert "Log out" not in home


def test_saved_english_wins_over_a_german_cookie_left_in_the_browser(alice):
    """GIVEN alice whose profile says English and a browser that last showed German WHEN she logs in
    THEN the pages are English."""
    assert alice.language == "en"
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    assert '<html lang="de"' in client.get(LOGIN_URL).content.decode()  # control: the cookie is honoured

    full_login(alice, client=client)
    assert _language_cookie(client) == "en"
    home = client.get(HOME_URL).content.decode()
    assert '<html lang="en"' in home
    assert "Log out" in home


@pytest.mark.parametrize(("browser_language", "saved"), [("de", "de"), ("en", "en")])
def test_an_invited_user_keeps_the_language_the_account_was_created_in(charlie, browser_language, saved):
    """GIVEN an invite opened in a German (or English) browser WHEN the account is created
    THEN its profile language is German (or English), so a later login elsewhere shows the same."""
    link = invite_create(created_by=charlie, email="dana@example.org")
    client = Client(HTTP_ACCEPT_LANGUAGE=browser_language)
    data = {
        "username": "dana",
        "email": "dana@example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    assert client.post(link.path, data).status_code == 302
    assert User.objects.get(username="dana").language == saved
    assert _language_cookie(client) == saved


def test_the_language_switch_saves_the_choice_in_a_verified_users_profile(alice, bob, verified_client):
    """GIVEN alice logged in WHEN she picks German in the top bar THEN her profile says German (so her next
    login elsewhere keeps it); bob's profile is untouched, and a switch before the login saves nothing."""
    client = verified_client(alice)
    response = client.post(reverse("set_language"), {"language": "de", "next": HOME_URL})
    assert response.status_code == 302
    assert _language_cookie(client) == "de"
    alice.refresh_from_db()
    bob.refresh_from_db()
    assert (alice.language, bob.language) == ("de", "en")

    anonymous = Client()
    assert anonymous.post(reverse("set_language"), {"language": "de"}).status_code == 302
    assert _language_cookie(anonymous) == "de"  # the switch works before a login...
    assert User.objects.filter(language="de").count() == 1  # ...and saves nothing

    client.post(reverse("set_language"), {"language": "xx"})  # not offered: ignored
    alice.refresh_from_db()
    assert alice.language == "de"


def test_a_password_only_session_cannot_change_the_profile_language(alice):
    """GIVEN a session that passed the password but not the second factor WHEN it switches language
    THEN the page language changes but the profile does not."""
    client = Client()
    password_post(client, "alice")
    client.post(reverse("set_language"), {"language": "de", "next": OTP_URL})
    assert _language_cookie(client) == "de"
    alice.refresh_from_db()
    assert alice.language == "en"


@pytest.mark.parametrize(("saved", "phrase"), [("de", "Passwort"), ("en", "password")])
def test_the_password_reset_mail_speaks_the_profile_language(alice, saved, phrase):
    """GIVEN alice's profile language WHEN a reset is asked for from a browser set to the other language
    THEN the mail's subject and text are in her language."""
    from django.core import mail

    alice.language = saved
    alice.save(update_fields=["language"])
    other = "en" if saved == "de" else "de"
    Client(HTTP_ACCEPT_LANGUAGE=other).post(
        reverse("accounts:password_reset"), {"email": "alice@example.org"}
    )
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert phrase in sent.subject
    english = "Open this link to choose a new password" in sent.body
    assert english == (saved == "en")
