"""In Debian's Chromium: a validation error (422) that htmx posts for is shown where the form is."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import Page, expect

from mailhelper.testing.auth import verified_session_key
from tags.tests.factories import message_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _db_beside_playwright(monkeypatch: pytest.MonkeyPatch) -> None:
    """Playwright's sync API runs an event loop in this thread; our DB calls here are still plain sync code."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_a_blank_tag_shows_the_servers_error(asgi_server, alice, page: Page):
    """GIVEN alice's message open WHEN she adds a tag made of spaces THEN the server's 422 fragment is swapped
    in and she reads why nothing was added."""
    message = message_make(alice)
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": verified_session_key(alice), "url": asgi_server}]
    )
    page.goto(asgi_server + reverse("emails:detail", args=[message.pk]))
    tags = page.locator("#detail-tags")
    expect(tags.locator(".error")).to_have_count(0)
    with page.expect_response(
        lambda r: r.url.endswith(reverse("emails:detail_tag_add", args=[message.pk]))
    ) as info:
        tags.get_by_label("Tag name").fill("   ")
        tags.get_by_role("button", name="Add").click()
    assert info.value.status == 422
    expect(tags.locator(".error")).to_have_text("A tag needs a name.")
    # Swapped by htmx, not a full page load: still the same URL.
    assert page.url == asgi_server + reverse("emails:detail", args=[message.pk])
