"""In Debian's Chromium: a page from the real ASGI server receives live events over its websocket, and
survives losing it."""

import re

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import Page, WebSocketRoute, expect

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


def test_a_dropped_websocket_leaves_the_page_working_and_reconnects(asgi_server, alice, page: Page):
    """GIVEN alice's dashboard with its live socket WHEN the socket drops and new ones are refused for a while
    THEN the pages show they are offline and still work, and once the server answers again the page
    reconnects, catches up with what changed meanwhile and receives live events again."""
    account = MailAccount(owner=alice, name="Work", imap_host="imap.example.org", username="alice")
    account.password_set("secret-password")
    account.save()
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": verified_session_key(alice), "url": asgi_server}]
    )
    # Playwright stands between the page and the server's socket, so the test can cut it as a network
    # failure would, and refuse new connections while "the network is down".
    sockets: list[WebSocketRoute] = []
    network = {"down": False}

    def route(socket: WebSocketRoute) -> None:
        sockets.append(socket)
        if network["down"]:
            socket.close(code=1011, reason="network down")
        else:
            socket.connect_to_server()

    page.route_web_socket(re.compile(r"/ws/events/"), route)
    page.goto(asgi_server + reverse("home"))
    live = page.locator("#live-status")
    expect(live).to_have_attribute("data-state", "online", timeout=15000)
    assert len(sockets) == 1

    network["down"] = True
    sockets[0].close(code=1011, reason="network down")
    expect(live).to_have_attribute("data-state", "offline", timeout=5000)
    # Without the socket the pages still work: navigate away and back over plain HTTP.
    page.locator(f'nav a[href="{reverse("emails:list")}"]').click()
    expect(page).to_have_url(re.compile(re.escape(reverse("emails:list")) + "$"))
    expect(live).to_have_attribute("data-state", "offline")
    page.locator(f'nav a[href="{reverse("home")}"]').first.click()
    item = page.locator(f'.sync-item[data-account-id="{account.pk}"]')
    expect(item).to_have_attribute("data-state", "ok")
    refused = len(sockets)

    # Changed while offline: the event that would have told the page is lost.
    MailAccount.objects.filter(pk=account.pk).update(needs_reauth=True, last_error="LOGIN failed")
    page.wait_for_timeout(1500)
    expect(item).to_have_attribute("data-state", "ok")
    assert len(sockets) > refused  # it keeps trying

    network["down"] = False
    expect(live).to_have_attribute("data-state", "online", timeout=20000)
    # Reconnected: it refreshes what the lost events would have changed...
    expect(item).to_have_attribute("data-state", "reauth", timeout=10000)
    # ...and live events arrive again.
    user_event_send(
        user_id=alice.pk,
        event="sync.progress",
        data={"account_id": account.pk, "done": 5, "total": 8, "folder": "INBOX"},
    )
    progress_text = page.locator(f'.sync-item[data-account-id="{account.pk}"] [data-role="progress-text"]')
    expect(progress_text).to_contain_text("5 / 8", timeout=10000)


def test_a_refused_action_appears_on_the_open_page_and_can_be_dismissed(asgi_server, alice, page: Page):
    """GIVEN alice's message list open WHEN the worker finds that the server refused her "mark read"
    THEN a notice naming it appears without a reload, the row is unread again, and Dismiss removes it."""
    from emails.models import PendingOperation
    from emails.services.operations import _operation_fail, message_action
    from emails.tests.test_ui_dashboard import account_make, mail_make

    account = account_make(alice)
    message = mail_make(account, subject="Quarterly numbers", urgency=2)
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": verified_session_key(alice), "url": asgi_server}]
    )
    page.goto(asgi_server + reverse("emails:list"))
    expect(page.locator("#live-status")).to_have_attribute("data-state", "online", timeout=15000)
    notice = page.locator("#failed-ops .failed-ops")
    expect(notice).to_have_count(0)

    operation = message_action(user=alice, message_id=message.pk, action="mark_read")
    assert operation is not None
    _operation_fail(operation, "the server refused: STORE failed: [CANNOT] no permission")

    expect(notice).to_be_visible(timeout=10000)
    expect(notice).to_contain_text("Quarterly numbers")
    expect(notice).to_contain_text("[CANNOT] no permission")
    notice.get_by_role("button", name="Dismiss").click()
    expect(notice).to_have_count(0, timeout=10000)
    assert not PendingOperation.objects.filter(pk=operation.pk).exists()
