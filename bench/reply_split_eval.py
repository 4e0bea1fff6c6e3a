"""Pass rates of our reply splitter on the shared corpus, next to talon, email-reply-parser and
mail-parser-reply when those are importable (install them into a scratch venv, never the project's).

    PYTHONPATH=. python bench/reply_split_eval.py [--failures]
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from emails.sanitize.reply_eval import EvalReport, Splitter, own_splitter, reply_eval


def corpus_root() -> Path:
    """Same rule as mailhelper.testing.corpus, without importing the Django project (scratch venvs lack it)."""
    configured = os.environ.get("MAILHELPER_CORPUS")
    return Path(configured) if configured else Path(__file__).resolve().parents[2] / "shared" / "corpus"


def talon_splitter() -> Callable[[str], Splitter] | None:
    try:
        import talon
        from talon import quotations
        from talon.signature.bruteforce import extract_signature
    except Exception:
        return None
    talon.init()

    def split(source: str, is_html: bool, view: str) -> str | None:
        if view == "body":
            return extract_signature(source)[0]
        if is_html:
            from talon.utils import html_to_text

            return (html_to_text(quotations.extract_from_html(source)) or b"").decode("utf-8", "replace")
        return quotations.extract_from_plain(source)

    return lambda _repo: split


def email_reply_parser_splitter() -> Callable[[str], Splitter] | None:
    try:
        from email_reply_parser import EmailReplyParser
    except Exception:
        return None

    def split(source: str, is_html: bool, view: str) -> str | None:
        if is_html:
            return None
        if view == "first_fragment":
            fragments = EmailReplyParser.read(source).fragments
            return fragments[0].content if fragments else ""
        return EmailReplyParser.parse_reply(source)

    return lambda _repo: split


def mail_parser_reply_splitter() -> Callable[[str], Splitter] | None:
    try:
        from mailparser_reply import EmailReplyParser
    except Exception:
        return None
    parser = EmailReplyParser(languages=["en", "de", "fr", "it", "nl", "pl", "sv", "da", "ja"])

    def split(source: str, is_html: bool, view: str) -> str | None:
        if is_html:
            return None
        message = parser.read(source)
        if not message.replies:
            return ""
        first = message.replies[0]
        return first.body

    return lambda _repo: split


def report_print(name: str, report: EvalReport, *, failures: bool) -> None:
    print(f"\n== {name}")
    for folder, score in sorted(report.folders.items()):
        print(f"  {folder:36} {score.passed:4}/{score.total:<4} {score.rate:6.1%}")
    print(f"  {'overall':36} {report.passed:4}/{report.total:<4} {report.rate:6.1%}")
    if failures:
        for _folder, score in sorted(report.folders.items()):
            for failure in score.failures:
                print(f"    FAIL {failure}")


def main() -> int:
    cases = corpus_root() / "replies" / "cases.json"
    if not cases.exists():
        print(f"no corpus at {cases}")
        return 1
    failures = "--failures" in sys.argv
    ours = reply_eval(cases_path=cases, splitter_for=own_splitter)
    print(
        f"scored expectations: {ours.total}; skipped (not about the new text): {sum(ours.skipped.values())}"
    )
    report_print("mailhelper", ours, failures=failures)
    others = {
        "talon": talon_splitter,
        "email-reply-parser": email_reply_parser_splitter,
        "mail-parser-reply": mail_parser_reply_splitter,
    }
    for name, factory in others.items():
        splitter_for = factory()
        if splitter_for is None:
            print(f"\n== {name}: not importable here (install it into a scratch venv to compare)")
            continue
        report_print(name, reply_eval(cases_path=cases, splitter_for=splitter_for), failures=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
