"""Score the reply splitter against the expectations in the shared corpus' ``replies/cases.json``.

Only expectations about the *new text* of a reply are scored: the visible text, Discourse's
trimmed text, the first reply's body, the first fragment, talon's extracted HTML (compared as
text) and talon's text-without-signature. Counts, flags of later fragments, headers, timings and
identities between two API calls are skipped and counted as such.

Each source library draws the line between text and signature differently; the mapping below
says which of our signature kinds each API removes (a documented difference, not a tweak).
"""

from __future__ import annotations

import email
import email.policy
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from emails.sanitize.html_text import html_to_text
from emails.sanitize.reply_html import reply_split_html
from emails.sanitize.reply_split import Fragment, ReplyParts, SignatureKind, reply_split

ALL_KINDS = frozenset(SignatureKind)
# Which signature kinds each source API takes out of the new text.
_REMOVED_KINDS: dict[str, frozenset[SignatureKind]] = {
    "github/email_reply_parser": frozenset({SignatureKind.DELIMITER, SignatureKind.MOBILE}),
    "zapier/email-reply-parser": frozenset({SignatureKind.DELIMITER, SignatureKind.MOBILE}),
    "crisp-oss/email-reply-parser": frozenset({SignatureKind.DELIMITER, SignatureKind.MOBILE}),
    "discourse/email_reply_trimmer": frozenset({SignatureKind.DELIMITER, SignatureKind.MOBILE}),
    "alfonsrv/mail-parser-reply": ALL_KINDS,
    "mailgun/talon": frozenset(),  # extract_from_plain/html only remove quotations
}
_SCORED_TARGETS = re.compile(
    r"^(visible_text.*|trimmed|reply\[0\]\.body|latest_reply|fragment\[0\]|extracted_html|text_without_signature)$"
)
_SKIPPED_OPS = {"equals_property", "completes_within_seconds"}
# talon removes quotations wherever they are, so its reply text includes answers between quotes;
# the email_reply_parser family shows only what comes before the trailing hidden fragments.
_INTERLEAVED_APIS = {"mailgun/talon"}
_VIEWS = {"fragment[0]": "first_fragment", "text_without_signature": "body"}

Splitter = Callable[[str, bool, str], str | None]
"""(input, is_html, view) -> text; ``view`` is "visible", "first_fragment" or "body" (the text without
any signature); None = cannot answer."""


@dataclass
class FolderScore:
    passed: int = 0
    total: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.passed / self.total if self.total else 0.0


@dataclass
class EvalReport:
    folders: dict[str, FolderScore]
    skipped: Counter[str]

    @property
    def passed(self) -> int:
        return sum(score.passed for score in self.folders.values())

    @property
    def total(self) -> int:
        return sum(score.total for score in self.folders.values())

    @property
    def rate(self) -> float:
        return self.passed / self.total if self.total else 0.0


def reply_eval(*, cases_path: Path, splitter_for: Callable[[str], Splitter] | None = None) -> EvalReport:
    """Run every scored expectation; ``splitter_for(source_repo)`` defaults to our own splitter."""
    root = cases_path.parent
    cases = json.loads(cases_path.read_text(encoding="utf-8"))["cases"]
    folders: dict[str, FolderScore] = {}
    skipped: Counter[str] = Counter()
    for case in cases:
        folder = case["input"].split("/")[0]
        scored = [e for e in case["expectations"] if _is_scored(e)]
        skipped[folder] += len(case["expectations"]) - len(scored)
        if not scored:
            continue
        split = (splitter_for or own_splitter)(case["source_repo"])
        source, is_html = case_input(case, root)
        score = folders.setdefault(folder, FolderScore())
        for expectation in scored:
            view = _VIEWS.get(expectation["target"], "visible")
            try:
                actual = split(source, is_html, view)
            except Exception as exc:  # a comparison library crashing is a failure, not an abort
                actual = None
                note = f"raised {type(exc).__name__}"
            else:
                note = ""
            ok = actual is not None and expectation_holds(expectation, actual, root)
            score.total += 1
            score.passed += ok
            if not ok:
                score.failures.append(f"{case['id']} [{expectation['target']} {expectation['op']}] {note}")
    return EvalReport(folders=folders, skipped=skipped)


def _is_scored(expectation: dict) -> bool:
    return bool(_SCORED_TARGETS.match(expectation["target"])) and expectation["op"] not in _SKIPPED_OPS


def case_input(case: dict, root: Path) -> tuple[str, bool]:
    """The input a source test passes to its library, and whether it is HTML."""
    raw = (root / case["input"]).read_bytes()
    preprocessing = case["input_preprocessing"]
    is_html = "extract_from_html" in case["api"]
    if "message_from_file" in preprocessing:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        part = next((p for p in message.walk() if p.get_content_type() == "text/plain"), None)
        return (part.get_content() if part is not None else ""), is_html
    text = raw.decode("utf-8", errors="replace")
    if preprocessing.endswith(".strip"):
        text = text.strip()
    return text, is_html


def own_splitter(source_repo: str) -> Splitter:
    removed = _REMOVED_KINDS.get(source_repo, ALL_KINDS)
    interleaved = source_repo in _INTERLEAVED_APIS

    def split(source: str, is_html: bool, view: str) -> str:
        parts = reply_split_html(html=source) if is_html else reply_split(text=source)
        if view == "body":
            return parts.visible
        fragments = fragments_for(parts, removed)
        if view == "first_fragment":
            return fragments[0].text if fragments else ""
        if interleaved:
            return "\n".join(f.text for f in fragments if not (f.is_quoted or f.is_signature)).strip()
        return "\n".join(f.text for f in fragments if not f.is_hidden).strip()

    return split


def fragments_for(parts: ReplyParts, removed: frozenset[SignatureKind]) -> list[Fragment]:
    """Fragments as an API that removes only ``removed`` signature kinds would report them."""
    merged: list[Fragment] = []
    for fragment in parts.fragments:
        keep_as_text = fragment.is_signature and fragment.signature_kind not in removed
        if keep_as_text and merged and not merged[-1].is_quoted:
            previous = merged.pop()
            text = previous.text + "\n" + fragment.text
            merged.append(Fragment(text, is_hidden=previous.is_hidden and fragment.is_hidden))
        elif keep_as_text:
            merged.append(Fragment(fragment.text))
        else:
            merged.append(fragment)
    return _rehide(merged)


def _rehide(fragments: list[Fragment]) -> list[Fragment]:
    result: list[Fragment] = []
    seen_visible = False
    for fragment in reversed(fragments):
        hideable = fragment.is_quoted or fragment.is_signature or not fragment.text.strip()
        hidden = hideable and not seen_visible
        seen_visible = seen_visible or not hideable
        result.append(
            Fragment(
                fragment.text, fragment.is_quoted, fragment.is_signature, hidden, fragment.signature_kind
            )
        )
    return list(reversed(result))


def expectation_holds(expectation: dict, actual: str, root: Path) -> bool:
    op, value, normalize = expectation["op"], expectation["value"], expectation.get("normalize") or ""
    target = expectation["target"]
    if target == "extracted_html":
        value = html_to_text(html=value)
    if op == "equals_file":
        value = (root / value).read_bytes().decode("utf-8", errors="replace")
    if "strip" in normalize or "trim" in normalize:
        actual = actual.strip()
        if op == "equals_file":
            value = value.strip()
    if "remove_all_whitespace" in normalize:
        actual, value = (
            re.sub(r"\s", "", actual),
            re.sub(r"\s", "", value) if isinstance(value, str) else value,
        )
    actual_lf = actual.replace("\r\n", "\n")
    if isinstance(value, str) and op in {"equals", "equals_file"}:
        return actual == value or actual_lf == value.replace("\r\n", "\n")
    if op == "contains":
        return value in actual
    if op == "not_contains":
        return value not in actual
    if op == "startswith":
        return actual.startswith(value)
    if op in {"matches", "not_matches"}:
        found = _regex_search(expectation, actual)
        return found if op == "matches" else not found
    if op == "line_count_equals":
        return len(actual.split("\n")) == value
    if op == "nonempty":
        return bool(actual.strip()) == bool(value)
    return actual == value


def _regex_search(expectation: dict, actual: str) -> bool:
    dialect = expectation.get("regex_dialect", "")
    pattern = (
        re.sub(r"\\A", "^", expectation["value"])
        if dialect.startswith("javascript")
        else expectation["value"]
    )
    if dialect.startswith("ruby"):
        return re.search(pattern, actual, re.MULTILINE) is not None
    if dialect.startswith("python"):
        return re.match(pattern, actual) is not None
    return re.search(pattern, actual) is not None
