"""In Debian's Chromium: a page from the real ASGI server receives a live event over its websocket."""

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from mailhelper.events import user_event_send
from mailhelper.testing.auth import verified_session_key

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_page_receives_a_live_event(asgi_server, alice, page: Page):
    """GIVEN alice's dashboard open WHEN an event is sent to her group THEN it appears without a reload."""
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": verified_session_key(alice), "url": asgi_server}]
    )
    page.goto(asgi_server + "/")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "online", timeout=15000)

    user_event_send(user_id=alice.pk, event="sync.progress", data={"done": 3, "total": 10})
    expect(page.locator("#event-log")).to_contain_text("sync.progress", timeout=10000)
    expect(page.locator("#event-log")).to_contain_text('"done":3')
