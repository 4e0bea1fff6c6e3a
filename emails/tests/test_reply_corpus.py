"""The sanitizer against the shared real-world corpus (skipped when the corpus is absent)."""

from __future__ import annotations

import csv
import email
import email.policy
import re

from emails.sanitize import html_make_safe, html_to_text
from emails.sanitize.reply_eval import reply_eval
from mailhelper.testing.corpus import corpus_or_skip

# What the splitter reached when this floor was set (82.5 %); a change that loses cases must say why.
REPLY_PASS_RATE_FLOOR = 0.82

_SCRIPT = re.compile(r"<script|\son[a-z]+\s*=|javascript:", re.IGNORECASE)
_REMOTE_IN_ATTRIBUTE = re.compile(
    r"\s(?:src|srcset|background)\s*=\s*\"(?:[^\"]*https?:|//)|\sstyle\s*=\s*\"[^\"]*https?:", re.IGNORECASE
)
_MAX_INDEXED_PARTS = 1000


def test_reply_split_pass_rate_stays_at_or_above_the_floor():
    """GIVEN the reply fixtures and their source suites' expectations WHEN scored THEN >= the floor pass."""
    report = reply_eval(cases_path=corpus_or_skip("replies", "cases.json"))
    assert report.total > 250  # the scored set really is the corpus, not an empty file
    assert report.rate >= REPLY_PASS_RATE_FLOOR >= 0.80, {k: v.rate for k, v in report.folders.items()}


def _assert_inert(html: str, where: str) -> None:
    result = html_make_safe(html=html, allow_remote_images=False, cid_url=lambda cid: f"/cid/{cid}")
    assert not _SCRIPT.search(result.html), where
    assert not _REMOTE_IN_ATTRIBUTE.search(result.html), where
    html_to_text(html=html)  # must not raise


def test_corpus_html_files_are_made_inert():
    """GIVEN every real HTML mail file WHEN made safe THEN no script, handler, javascript: or remote URL survives."""
    root = corpus_or_skip("html")
    files = sorted(root.rglob("*.html")) + sorted(root.rglob("*.htm"))
    assert files
    for path in files:
        _assert_inert(path.read_bytes().decode("utf-8", errors="replace"), str(path))


def test_corpus_html_parts_of_real_messages_are_made_inert():
    """GIVEN the text/html parts of indexed corpus messages WHEN made safe THEN none keeps active or remote content."""
    index = corpus_or_skip("html", "real_mail_html_parts_index.csv")
    corpus = index.parents[1]
    with index.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    column = next(name for name in rows[0] if "file" in name or "path" in name)
    checked = 0
    for row in rows[:_MAX_INDEXED_PARTS]:
        path = corpus / row[column]
        if not path.exists():
            continue
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.compat32)
        for part in message.walk():
            if part.get_content_type() != "text/html":
                continue
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                charset = part.get_content_charset() or "utf-8"
                try:
                    html = payload.decode(charset, errors="replace")
                except LookupError:
                    html = payload.decode("utf-8", errors="replace")
                _assert_inert(html, str(path))
                checked += 1
    assert checked > 100
