"""In Debian's Chromium: names as long as the forms allow (a 64-character tag, a 100-character account) and
German column headings keep every page inside the window and every table inside its card."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page

from mailhelper.testing.auth import verified_session_key
from tags.services import tag_add
from tags.tests.factories import account_make, folder_make, message_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
LONG_TAG = "Projektabrechnungsunterlagen" * 2 + "Q1-2025-X"  # 65 -> cut to the 64 a tag may have
LONG_ACCOUNT = (
    "Geschäftskorrespondenz-der-Donaudampfschifffahrtsgesellschaft-Hauptverwaltung-Wien-Postfach-0001"
)


@pytest.fixture(autouse=True)
def _db_beside_playwright(monkeypatch: pytest.MonkeyPatch) -> None:
    """Playwright's sync API runs an event loop in this thread; our DB calls here are still plain sync code."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _long_names(owner: Any) -> Any:
    account = account_make(owner, name=LONG_ACCOUNT[:100])
    account_make(owner, name="Work")  # two accounts: the dashboard offers its account filter
    message = message_make(owner, account=account, folder=folder_make(account))
    tag_add(user=owner, logical_id=message.logical_id, name=LONG_TAG[:64])
    return message


def _page(browser: Browser, server: str, user: Any, viewport: dict[str, int], language: str) -> Page:
    context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    context.add_cookies(
        [
            {"name": settings.SESSION_COOKIE_NAME, "value": verified_session_key(user), "url": server},
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": server},
        ]
    )
    return context.new_page()


def _fits(page: Page) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1] + 1, (page.url, widths)


def _tables_inside_their_cards(page: Page) -> None:
    outside = page.evaluate(
        """() => [...document.querySelectorAll('.card table')].filter(t =>
             t.getBoundingClientRect().right > t.closest('.card').getBoundingClientRect().right + 1
           ).map(t => t.className)"""
    )
    assert outside == [], page.url


@pytest.mark.parametrize(
    ("viewport", "language"), [(PHONE, "en"), (PHONE, "de"), (DESKTOP, "en"), (DESKTOP, "de")]
)
def test_long_names_stay_inside_the_window(asgi_server, alice, browser: Browser, viewport, language):
    """GIVEN a 64-character tag on a message and a 100-character account name WHEN the message, the dashboard
    and the mail accounts are shown THEN the page does not scroll sideways and tables stay in their cards."""
    message = _long_names(alice)
    page = _page(browser, asgi_server, alice, viewport, language)
    for path in (f"/mail/m/{message.pk}/", "/", "/mail-accounts/"):
        page.goto(asgi_server + path)
        page.wait_for_load_state("networkidle")
        _fits(page)
        _tables_inside_their_cards(page)
    page.goto(asgi_server + f"/mail/m/{message.pk}/")
    tag_box = page.locator(".tag-chip").bounding_box()
    card_box = page.locator("#detail-tags").bounding_box()
    assert tag_box is not None
    assert card_box is not None
    assert tag_box["x"] + tag_box["width"] <= card_box["x"] + card_box["width"] + 1
    page.context.close()


def test_the_mail_accounts_card_keeps_its_distance_from_the_charts(asgi_server, alice, browser: Browser):
    """GIVEN alice's dashboard with an account WHEN it is shown on a desktop THEN the "Mail accounts" card sits a
    gap below the matrix and chart cards, not touching them."""
    _long_names(alice)
    page = _page(browser, asgi_server, alice, DESKTOP, "en")
    page.goto(asgi_server + "/")
    grid = page.locator(".dash-grid").bounding_box()
    accounts = page.locator('section[aria-labelledby="sync-heading"]').bounding_box()
    assert grid is not None
    assert accounts is not None
    assert accounts["y"] - (grid["y"] + grid["height"]) >= 12
    page.context.close()
