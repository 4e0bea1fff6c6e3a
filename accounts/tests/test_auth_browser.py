"""The login pages in Debian's Chromium against the real ASGI server: setup, invite, TOTP, recovery code, lockout."""

from __future__ import annotations

import base64
import re

import pytest
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from accounts.services.invites import invite_create
from accounts.services.otp import recovery_codes_regenerate
from accounts.services.setup import setup_token_issue
from mailhelper.testing.auth import TEST_PASSWORD, totp_code, user_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NEW_PASSWORD = "browser test passphrase 99"


@pytest.fixture(autouse=True)
def _db_beside_playwright(monkeypatch: pytest.MonkeyPatch) -> None:
    """Playwright's sync API runs an event loop in this thread; our DB calls here are still plain sync code."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _code_from_manual_key(page: Page) -> str:
    key = page.locator("#manual-key").inner_text().strip()
    return f"{totp(base64.b32decode(key + '=' * (-len(key) % 8))):06d}"


def _enrol(page: Page) -> None:
    expect(page.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()
    expect(page.locator(".qr img")).to_be_visible()
    page.fill("#id_token", _code_from_manual_key(page))
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.locator("#recovery-continue").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def _new_user_form(page: Page, username: str) -> None:
    page.fill("#id_username", username)
    page.fill("#id_email", f"{username}@example.org")
    page.fill("#id_password1", NEW_PASSWORD)
    page.fill("#id_password2", NEW_PASSWORD)


def _password_step(page: Page, base: str, username: str, password: str = TEST_PASSWORD) -> None:
    page.goto(base + "/account/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Continue").click()


def test_first_run_setup_in_the_browser(asgi_server: str, page: Page) -> None:
    """GIVEN no users and the console token WHEN the setup page is filled THEN the admin enrols 2FA and lands home."""
    page.goto(asgi_server + "/account/setup/")
    expect(page.get_by_text("needs the one-time setup link")).to_be_visible()
    token = setup_token_issue()
    page.goto(f"{asgi_server}/account/setup/?token={token}")
    _new_user_form(page, "root")
    page.get_by_role("button", name="Create administrator").click()
    _enrol(page)
    response = page.goto(f"{asgi_server}/account/setup/?token={token}")
    assert response is not None
    assert response.status == 404


def test_invite_acceptance_with_enrolment_in_the_browser(asgi_server: str, page: Page) -> None:
    """GIVEN an invite link WHEN it is opened and filled THEN the new user enrols 2FA and lands on the dashboard."""
    link = invite_create(created_by=None, email="gina@example.org")
    page.goto(asgi_server + link.path)
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    _new_user_form(page, "gina")
    page.get_by_role("button", name="Create account").click()
    _enrol(page)


def test_login_with_totp_in_the_browser(asgi_server: str, page: Page) -> None:
    """GIVEN a user with TOTP WHEN she logs in with password and current code THEN the dashboard greets her."""
    hank = user_create(username="hank")
    _password_step(page, asgi_server, "hank")
    expect(page.get_by_role("heading", name="Two-factor authentication")).to_be_visible()
    page.fill("#id_token", totp_code(hank))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.locator(".usermenu summary")).to_have_text("hank")


def test_login_with_a_recovery_code_in_the_browser(asgi_server: str, page: Page) -> None:
    """GIVEN a user's recovery code WHEN she logs in with it instead of a TOTP code THEN she gets in."""
    ivy = user_create(username="ivy")
    code = recovery_codes_regenerate(user=ivy)[0]
    _password_step(page, asgi_server, "ivy")
    page.fill("#id_token", code)
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.locator(".usermenu summary")).to_have_text("ivy")


def test_lockout_message_in_the_browser(asgi_server: str, page: Page) -> None:
    """GIVEN five wrong passwords WHEN the sixth attempt is made THEN the page explains the temporary lock."""
    user_create(username="jack")
    for _ in range(4):
        _password_step(page, asgi_server, "jack", "not the password 1")
        expect(page.get_by_text("Wrong user name or password.")).to_be_visible()
    _password_step(page, asgi_server, "jack", "not the password 1")
    expect(page.get_by_role("heading", name="Temporarily locked")).to_be_visible()
    expect(page.locator("#lockout")).to_contain_text(re.compile(r"locked until \d\d:\d\d"))
