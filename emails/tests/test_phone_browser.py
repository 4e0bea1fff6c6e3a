"""The mail pages on a phone: Chromium at 390 × 844 with touch, through the real login and the real ASGI server.

Logs in with the password and the TOTP code, then opens the dashboard, the message list and a message.
On each page the document must not scroll sideways, the navigation must be reachable, and what a thumb
needs (matrix cells, list rows, the message's actions) must be on screen and answer to a tap. The same
pages are checked again in German, whose words are longer. Screenshots go to
test-artifacts/screenshots/ and are copied to docs/screenshots/ (linked from docs/ui.md).
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from mailhelper.testing.auth import TEST_PASSWORD, totp_code
from tags.tests.factories import account_make, folder_make, message_make, triage_make

PHONE = {"width": 390, "height": 844}
SETTINGS_SECTIONS = ("accounts", "ai", "senders", "profile", "security", "privacy")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser_context_args(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2),
]

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"


@pytest.fixture(autouse=True)
def _db_beside_playwright(monkeypatch: pytest.MonkeyPatch) -> None:
    """Playwright's sync API runs an event loop in this thread; our DB calls here are still plain sync code."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _mailbox(owner: Any) -> Any:
    """A mailbox with mail in several matrix cells, long words and a long sender; returns the message to open."""
    account = account_make(owner, name="Work mailbox")
    inbox = folder_make(account)
    folder_make(account, name="Archive", role="archive")
    folder_make(account, name="Trash", role="trash")
    rows = [
        (3, 3, "Invoice 4711 overdue: please pay today", "Accounts Receivable Department"),
        (3, 1, "Server certificate expires tomorrow", "monitoring-notifications@infrastructure.example.org"),
        (2, 2, "Team meeting moved to Thursday", "Dana Schmidt"),
        (1, 3, "Quarterly report draft for review", "Finance"),
        (1, 1, "Newsletter: ten Donaudampfschifffahrtsgesellschaftskapitäne", "news@example.org"),
    ]
    opened = None
    for n, (urgency, importance, subject, sender) in enumerate(rows):
        message = message_make(
            owner,
            account=account,
            folder=inbox,
            subject=subject,
            from_name=sender if "@" not in sender else "",
            from_address=sender if "@" in sender else f"sender{n}@example.org",
            text_body="Hello,\n\nplease see the attached invoice. " * 8,
            received_at=timezone.now() - timedelta(days=4 * n, hours=n),
        )
        score = 2 * urgency + importance
        triage_make(
            message,
            urgency=urgency,
            importance=importance,
            score=score,
            colour="red" if score >= 8 else "yellow" if score >= 5 else "green",
            summary=f"{subject}. Someone expects an answer from you this week.",
            action_items=["Reply to the sender"],
        )
        opened = opened or message
    return opened


def _no_sideways_scroll(page: Page) -> None:
    """The document is no wider than the window. A mobile browser zooms out to show content that is too wide,
    which makes innerWidth grow with it, so the phone's own width is the bound as well."""
    widths = page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    if widths["scroll"] > min(widths["inner"], PHONE["width"]) + 1:
        culprits = page.evaluate(_WIDER_THAN_THE_PHONE, PHONE["width"])
        raise AssertionError(f"{page.url} scrolls sideways: {widths}; too wide: {culprits}")


# The innermost elements that reach past the phone's right edge, for the failure message.
_WIDER_THAN_THE_PHONE = """(width) => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > width + 1)
  .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > width + 1))
  .slice(0, 8)
  .map(e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}.${[...e.classList].join('.')} ` +
            `right=${Math.round(e.getBoundingClientRect().right)}`)"""


def _on_screen(page: Page, locator: Locator) -> None:
    """Visible and horizontally inside the viewport (a thumb can reach it without scrolling sideways)."""
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box is not None
    assert box["x"] >= -1, (locator, box)
    assert box["x"] + box["width"] <= PHONE["width"] + 1, (locator, box)


def _screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=True, scale="css")
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, DOCS_SCREENSHOTS / name)


def _navigation_reachable(page: Page) -> None:
    """Every main link is on screen; the user menu opens with a tap and its log-out button is on screen."""
    nav = page.locator("nav.mainnav")
    for link in nav.get_by_role("link").all():
        _on_screen(page, link)
    page.locator(".usermenu summary").tap()
    _on_screen(page, page.locator(".usermenu-panel form button[type=submit]"))
    page.locator(".usermenu summary").tap()


def test_dashboard_list_and_detail_are_usable_on_a_phone(asgi_server: str, page: Page, alice: Any) -> None:
    """GIVEN alice with mail in several matrix cells WHEN she logs in on a phone and opens the dashboard, the list
    and a message THEN nothing scrolls sideways, the navigation, matrix cells, rows and actions are on screen and
    answer to taps; AND the same holds in German."""
    opened = _mailbox(alice)
    base = asgi_server

    # log in with the second factor, on the phone
    page.goto(base + "/account/login/")
    _no_sideways_scroll(page)
    page.fill("#id_username", "alice")
    page.fill("#id_password", TEST_PASSWORD)
    page.get_by_role("button", name="Continue").tap()
    page.fill("#id_token", totp_code(alice))
    page.get_by_role("button", name="Verify").tap()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

    # dashboard: the matrix fits and a cell opens the list filtered to it
    _no_sideways_scroll(page)
    _navigation_reachable(page)
    cells = page.locator("#matrix td.cell a")
    expect(cells).to_have_count(9)
    for index in range(9):
        _on_screen(page, cells.nth(index))
    _screenshot(page, "phone-dashboard.png")
    page.locator('#matrix a[data-cell="3-3"]').tap()
    expect(page.locator("#msg-rows tr.msg-row")).to_have_count(1)
    expect(page.locator("#msg-rows")).to_contain_text("Invoice 4711")

    # the list: every row, its subject link and its check box are on screen
    page.locator("nav.mainnav").get_by_role("link", name="Mail", exact=True).tap()
    expect(page.locator("#msg-rows tr.msg-row")).to_have_count(5)
    _no_sideways_scroll(page)
    rows = page.locator("#msg-rows tr.msg-row")
    for index in range(5):
        _on_screen(page, rows.nth(index).locator(".msg-link"))
        _on_screen(page, rows.nth(index).locator('input[name="ids"]'))
    _on_screen(page, page.locator("#search-q"))
    _screenshot(page, "phone-list.png")
    # the bulk actions show once a row is selected (a tap on its box)
    archive = page.locator('.bulk-bar button[value="archive"]')
    expect(archive).to_be_hidden()
    rows.first.locator('input[name="ids"]').tap()
    _on_screen(page, archive)
    _on_screen(page, page.locator('.bulk-bar button[value="trash"]'))
    rows.first.locator('input[name="ids"]').tap()
    expect(archive).to_be_hidden()

    # a row opens the message; its actions are on screen
    rows.filter(has_text=opened.subject).locator(".msg-link").tap()
    expect(page.get_by_role("heading", name=opened.subject)).to_be_visible()
    _no_sideways_scroll(page)
    for action in ("mark_read", "flag", "archive", "trash", "delete"):
        _on_screen(page, page.locator(f'#detail-actions button[value="{action}"]'))
    _on_screen(page, page.locator("#move-folder"))
    _on_screen(page, page.locator("#ai-score"))
    _on_screen(page, page.locator("#correct-urgency-1"))
    _screenshot(page, "phone-detail.png")
    page.locator('#detail-actions button[value="flag"]').tap()
    expect(page.locator('#detail-actions button[value="unflag"]')).to_be_visible()

    # German words are longer: the same pages still fit
    page.select_option("#lang-select", "de")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    _no_sideways_scroll(page)
    for path in ("/", "/mail/", f"/mail/m/{opened.pk}/"):
        page.goto(base + path)
        expect(page.locator("html")).to_have_attribute("lang", "de")
        _no_sideways_scroll(page)
    _on_screen(page, page.locator('#detail-actions button[value="archive"]'))
    _navigation_reachable(page)

    # the other pages behind the navigation fit as well
    for path in ("/mail-accounts/", "/mail/tags/", *(f"/mail/settings/{s}/" for s in SETTINGS_SECTIONS)):
        page.goto(base + path)
        expect(page.locator("h1").first).to_be_visible()
        _no_sideways_scroll(page)
