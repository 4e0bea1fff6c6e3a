"""In Debian's Chromium: a page from the real ASGI server receives a live event over its websocket."""

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from accounts.models import MailAccount
from mailhelper.events import user_event_send
from mailhelper.testing.auth import verified_session_key

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_page_receives_a_live_event(asgi_server, alice, page: Page):
    """GIVEN alice's dashboard open WHEN a sync-progress event is sent to her group THEN her account's
    progress bar shows it without a reload."""
    account = MailAccount(owner=alice, name="Work", imap_host="imap.example.org", username="alice")
    account.password_set("secret-password")
    account.save()
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": verified_session_key(alice), "url": asgi_server}]
    )
    page.goto(asgi_server + "/")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "online", timeout=15000)
    progress = page.locator(f'.sync-item[data-account-id="{account.pk}"] [data-role="progress"]')
    expect(progress).to_be_hidden()

    user_event_send(
        user_id=alice.pk,
        event="sync.progress",
        data={"account_id": account.pk, "done": 3, "total": 10, "folder": "INBOX"},
    )
    expect(progress).to_be_visible(timeout=10000)
    expect(progress.locator('[data-role="progress-text"]')).to_contain_text("3 / 10")
    assert page.locator(f"#sync-progress-{account.pk}").evaluate("bar => [bar.value, bar.max]") == [3, 10]
