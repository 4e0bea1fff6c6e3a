"""The whole UI in Debian's Chromium against the real ASGI server, a real Celery worker and pymap.

Log in with 2FA → add a mailbox on the test IMAP server → "Sync now" and watch the live progress bar →
mail appears in the matrix and the list → search → mark done → bulk-archive two messages (moved on the
server) → undo. Screenshots of the dashboard and the list go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from emails.tests.conftest import message_bytes
from mailhelper.testing.auth import TEST_PASSWORD, totp_code, user_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(autouse=True)
def _db_beside_playwright(monkeypatch: pytest.MonkeyPatch) -> None:
    """Playwright's sync API runs an event loop in this thread; our DB calls here are still plain sync code."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _wait_until(predicate, timeout: float = 60.0, message: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {message}")


def test_dashboard_list_search_done_bulk_archive_and_undo_in_the_browser(
    asgi_server: str, celery_worker_process, pymap_server, page: Page
) -> None:
    """GIVEN a mailbox with four messages WHEN ivy adds it and works through the UI THEN every step shows live."""
    from emails.models import Message, Triage

    ivy = user_create(username="ivy")
    username = "ivyimap"
    pymap_server.user_add(username, "secret")
    pymap_server.folder_create(username, "Archive")
    subjects = [
        "Invoice 4711 overdue, please pay today",
        "Team meeting tomorrow at 10",
        "Lunch on Friday?",
        "Quarterly report draft",
    ]
    pymap_server.append(username, "INBOX", [message_bytes(n, subject=s) for n, s in enumerate(subjects, 1)])
    page.set_viewport_size({"width": 1280, "height": 900})

    # log in with the second factor
    page.goto(asgi_server + "/account/login/")
    page.fill("#id_username", "ivy")
    page.fill("#id_password", TEST_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.fill("#id_token", totp_code(ivy))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_role("link", name="Add your first mailbox").first).to_be_visible()

    # add the mailbox on the test server
    page.goto(asgi_server + "/mail-accounts/add/")
    page.fill("#id_name", "Test mailbox")
    page.fill("#id_imap_host", "127.0.0.1")
    page.fill("#id_imap_port", str(pymap_server.port))
    page.select_option("#id_imap_security", "none")
    page.fill("#id_username", username)
    page.fill("#id_password", "secret")
    page.locator("form button[type=submit]").last.click()
    expect(page.locator("#mail-account-" + str(ivy.mail_accounts.get().pk))).to_be_visible()

    # "Sync now" on the dashboard; the progress bar shows while the worker syncs
    page.goto(asgi_server + "/")
    expect(page.locator("#live-status[data-state=online]")).to_be_visible(timeout=15000)
    page.locator("[data-sync-now]").click()
    expect(page.locator("#sync-status[data-progress-seen=true]")).to_be_attached(timeout=60000)
    _wait_until(
        lambda: Triage.objects.filter(owner=ivy).count() == 4, timeout=120, message="triage of 4 messages"
    )
    # the matrix fills without a reload (processing.finished → panel refresh)
    page.wait_for_function(
        "() => [...document.querySelectorAll('#matrix .cell-count')].reduce((n, e) => n + Number(e.textContent), 0) === 4",
        timeout=30000,
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)

    # a matrix cell opens the list filtered to it
    page.locator("#matrix td.cell a").filter(has_not=page.locator(".cell-count", has_text="0")).first.click()
    expect(page.locator("#msg-rows tr.msg-row").first).to_be_visible()

    # the list with all mail
    page.goto(asgi_server + "/mail/")
    expect(page.locator("#msg-rows tr.msg-row")).to_have_count(4)
    page.screenshot(path=str(SCREENSHOTS / "list.png"), full_page=True)

    # open a message, correct its urgency: the matrix count moves; add a tag
    opened = Message.objects.filter(owner=ivy).order_by("pk").first()
    assert opened is not None
    triage = Triage.objects.get(logical_id=opened.logical_id)
    new_urgency = 1 if triage.urgency != 1 else 3
    old_cell = f"{triage.urgency}-{triage.importance}"
    new_cell = f"{new_urgency}-{triage.importance}"
    page.goto(asgi_server + "/")
    before = {
        cell: int(page.locator(f'#matrix a[data-cell="{cell}"] .cell-count').inner_text())
        for cell in (old_cell, new_cell)
    }
    page.goto(asgi_server + f"/mail/m/{opened.pk}/")
    page.locator(f"#correct-urgency-{new_urgency}").click()
    expect(page.locator(f"#correct-urgency-{new_urgency}")).to_have_attribute("aria-pressed", "true")
    page.fill("#tag-name", "Steuer")
    page.locator("#detail-tags form.tag-add button[type=submit]").click()
    expect(page.locator("#detail-tags .tag-chip")).to_contain_text("Steuer")
    page.goto(asgi_server + "/")
    expect(page.locator(f'#matrix a[data-cell="{old_cell}"] .cell-count')).to_have_text(
        str(before[old_cell] - 1)
    )
    expect(page.locator(f'#matrix a[data-cell="{new_cell}"] .cell-count')).to_have_text(
        str(before[new_cell] + 1)
    )

    # search
    page.goto(asgi_server + "/mail/")
    # The pipeline indexes mail for full-text search at its sanitize stage; the catch-up makes sure this
    # test does not race it.
    from emails.search import search_index_missing

    search_index_missing(owner_id=ivy.pk)
    page.select_option("#search-mode", "text")  # words; "meaning" would load the embedding model first
    page.locator("h1").click()
    page.keyboard.press("/")
    expect(page.locator("#search-q")).to_be_focused()
    page.keyboard.type("invoice")
    page.keyboard.press("Enter")
    expect(page.locator("#msg-rows tr.msg-row")).to_have_count(1)
    expect(page.locator("#msg-rows")).to_contain_text("Invoice 4711")

    # mark done with the keyboard (j selects the first row, e marks it done)
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("j")
    page.keyboard.press("e")
    expect(page.locator("#undo-bar")).to_contain_text("marked done")  # said once: where its Undo is
    invoice = Message.objects.get(owner=ivy, subject__startswith="Invoice")
    assert Triage.objects.get(logical_id=invoice.logical_id).done_at is not None

    # bulk-archive two messages; they move on the IMAP server
    page.goto(asgi_server + "/mail/")
    rows = page.locator("#msg-rows tr.msg-row")
    for subject in ("Lunch on Friday?", "Quarterly report draft"):
        rows.filter(has_text=subject).locator('input[name="ids"]').check()
    expect(page.locator("#bulk-count")).to_contain_text("2")
    page.locator('button[name="action"][value="archive"]').click()
    expect(page.locator("#undo-bar")).to_contain_text("2 messages archived")

    def server_archive() -> set[str]:
        state = pymap_server.state(username, ["INBOX", "Archive"])
        return {mid for mid in state.get("Archive", {})}

    lunch, report = (
        Message.objects.get(owner=ivy, subject=s) for s in ("Lunch on Friday?", "Quarterly report draft")
    )
    _wait_until(
        lambda: server_archive() == {lunch.message_id, report.message_id}, message="archive on the server"
    )

    # undo puts them back, locally at once and then on the server
    page.locator("#undo-bar button").click()
    expect(page.locator(".flash")).to_contain_text("Undone")
    assert set(
        Message.objects.filter(pk__in=[lunch.pk, report.pk]).values_list("folder__role", flat=True)
    ) == {"inbox"}
    _wait_until(lambda: server_archive() == set(), message="undo on the server")
    inbox = pymap_server.state(username, ["INBOX"])["INBOX"]
    assert {lunch.message_id, report.message_id} <= set(inbox)
