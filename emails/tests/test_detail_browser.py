"""A hostile mail opened in real Chromium: no script runs, nothing remote loads, the cid image shows.

The mail is APPENDed to the pymap test server, synced with the real sync engine, and opened through the
real ASGI server; the inline image is fetched from pymap on demand. A local HTTP server records every
request, so "nothing remote loaded" is an observation, not an assumption; allowing remote images for
the message is the positive control that the recorder does see requests.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from emails.models import Message
from emails.tests.test_detail_parts import mail_with_parts, png_bytes
from mailhelper.testing.auth import verified_session_key
from tags.tests.factories import triage_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "test-artifacts" / "screenshots" / "detail.png"
DOCS_SCREENSHOT = ROOT / "docs" / "screenshots" / "detail.png"


@pytest.fixture(autouse=True)
def _db_beside_playwright(monkeypatch: pytest.MonkeyPatch) -> None:
    """Playwright's sync API runs an event loop in this thread; our DB calls here are still plain sync code."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


class Recorder:
    """A local HTTP server that answers every request with a PNG and remembers the paths it was asked for."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                recorder.hits.append(self.path)
                body = png_bytes()
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    yield server
    server.close()


def hostile_html(recorder: Recorder) -> str:
    return f"""<html><head>
<meta http-equiv="refresh" content="0;url={recorder.url("/meta-refresh")}">
<style>@import url("{recorder.url("/import.css")}"); body {{ background: url({recorder.url("/style-tag.png")}) }}</style>
<script>window.top.document.title = "pwned by script"; fetch("{recorder.url("/script")}");</script>
</head><body>
<h2>Quarterly invoice</h2>
<p>Please find the invoice attached. Our logo:</p>
<img id="logo" alt="logo" src="cid:logo@test.example" width="60" height="40">
<img id="tracker" alt="" src="{recorder.url("/x.png")}" onerror="window.top.document.title='pwned by onerror'">
<img src="nonexistent" onerror="window.top.document.title='pwned by onerror 2'">
<div style="background-image: url({recorder.url("/css.png")}); height: 10px">css</div>
<a id="js-link" href="javascript:window.top.document.title='pwned by link'">a javascript link</a>
<a id="ok-link" href="https://example.org/">a normal link</a>
<form action="{recorder.url("/form")}" method="post"><input name="password"><button id="send">send</button></form>
<svg onload="window.top.document.title='pwned by svg'"><image href="{recorder.url("/svg.png")}"/></svg>
<iframe src="{recorder.url("/frame")}"></iframe>
<object data="{recorder.url("/object")}"></object>
</body></html>"""


def _login(page: Page, base_url: str, user: Any) -> None:
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": verified_session_key(user), "url": base_url}]
    )


_CID_IMAGE_LOADED = """() => {
  const frame = document.getElementById('mail-body');
  const doc = frame && frame.contentDocument;
  const img = doc && doc.querySelector('img[src*="/cid/"]');
  return !!(img && img.complete && img.naturalWidth > 0);
}"""


def test_hostile_mail_runs_no_script_and_loads_nothing_remote(
    asgi_server: str, page: Page, alice: Any, pymap_mailbox: Any, sync: Any, recorder: Recorder
) -> None:
    """GIVEN a hostile HTML mail synced from IMAP WHEN alice opens it in Chromium THEN no script, no remote request,
    the cid image shows; AND WHEN she allows remote images for the message THEN the recorder sees the image request."""
    pymap_mailbox.append(
        "INBOX", [mail_with_parts(subject="Invoice Q3 (hostile)", html=hostile_html(recorder))]
    )
    sync(pymap_mailbox)
    message = Message.objects.get(owner=alice, subject="Invoice Q3 (hostile)")
    triage_make(
        message,
        urgency=3,
        importance=2,
        category="invoice_payment",
        summary="An invoice for Q3; pay by the end of the month.",
        action_items=["Pay the Q3 invoice"],
        sources={"urgency": "local", "category": "classifier"},
        explanation=[
            {"source": "local", "weight": 0.6, "urgency": 3, "importance": 2, "note": "deadline in the text"},
            {
                "source": "classifier",
                "weight": 0.4,
                "urgency": 2,
                "importance": 2,
                "note": "similar mail you rated",
            },
        ],
        injection_flagged=True,
        injection_reasons=["hidden text addressed to an AI assistant"],
    )
    _login(page, asgi_server, alice)
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(f"{asgi_server}/mail/m/{message.pk}/")
    expect(page.get_by_role("heading", name="Invoice Q3 (hostile)")).to_be_visible()
    page.wait_for_function(_CID_IMAGE_LOADED, timeout=15000)
    time.sleep(1.0)  # give any stray request, refresh or timer the chance to happen

    assert "pwned" not in page.title()
    assert recorder.hits == []
    frame_title = page.evaluate("document.getElementById('mail-body').contentDocument.title")
    assert "pwned" not in frame_title
    frame_info = page.evaluate(
        """() => { const d = document.getElementById('mail-body').contentDocument;
                   return {scripts: d.querySelectorAll('script').length, forms: d.querySelectorAll('form').length,
                           location: d.location.pathname, jsLinks: d.querySelectorAll('a[href^="javascript"]').length}; }"""
    )
    assert frame_info == {"scripts": 0, "forms": 0, "location": f"/mail/m/{message.pk}/body/", "jsLinks": 0}
    expect(page.locator(".remote-banner")).to_be_visible()
    expect(page.locator(".injection-warning")).to_be_visible()

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    DOCS_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SCREENSHOT, DOCS_SCREENSHOT)

    # positive control: after allowing remote images for this message the recorder is asked for the image
    page.locator("#allow-remote-message").click()
    deadline = time.monotonic() + 10
    while "/x.png" not in recorder.hits and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert "/x.png" in recorder.hits
    time.sleep(0.5)
    assert set(recorder.hits) == {"/x.png"}, recorder.hits  # still no script, CSS, form or frame request
    assert "pwned" not in page.title()
    page.wait_for_function(_CID_IMAGE_LOADED, timeout=15000)


def test_one_click_correction_updates_the_score(asgi_server: str, page: Page, alice: Any) -> None:
    """GIVEN a green message WHEN alice raises urgency to 3 in the AI panel THEN the panel re-renders with the new score."""
    from emails.views.detail import _label_record
    from tags.tests.factories import message_make

    if _label_record() is None:
        pytest.skip("training.services.label_record is not there yet")
    message = message_make(alice, subject="low priority", text_body="hello")
    triage_make(message, urgency=1, importance=1)
    _login(page, asgi_server, alice)
    page.goto(f"{asgi_server}/mail/m/{message.pk}/")
    expect(page.locator("#ai-score")).to_have_text("3")
    page.locator("#correct-urgency-3").click()
    expect(page.locator("#ai-score")).to_have_text("7")
    expect(page.locator("#ai-score")).to_have_attribute("data-colour", "yellow")
