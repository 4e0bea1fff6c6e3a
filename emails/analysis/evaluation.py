"""Evaluations on the shared corpus: newsletters and calendar invites (spam lives in spam.py).

The corpus is never copied into the repository; these functions read it where it lies.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from emails.analysis.calendar import calendar_invite, ics_invite
from emails.analysis.local import newsletter_detect
from emails.analysis.signals import header_signals
from emails.analysis.spam import STRIP_LIST_HEADERS, binary_metrics
from emails.analysis.text import message_text
from emails.analysis.types import Metrics
from emails.parsing import message_parse


def _root(corpus_dir: Path) -> Path:
    """Accept the corpus root or any of its sub-folders."""
    for candidate in (corpus_dir, corpus_dir.parent):
        if (candidate / "spam_ham").is_dir() and (candidate / "newsletters").is_dir():
            return candidate
    raise FileNotFoundError(f"{corpus_dir} is not the shared corpus (no spam_ham/ and newsletters/)")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        return list(csv.DictReader(handle))


@dataclass(frozen=True, slots=True)
class NewsletterReport:
    with_headers: Metrics
    content_only: Metrics
    kind_agreement: float
    kind_confusion: dict[str, int] = field(default_factory=dict)
    hard_ham_unlisted: tuple[int, int] = (0, 0)

    def lines(self) -> list[str]:
        return [
            self.with_headers.line(),
            self.content_only.line(),
            f"newsletter kind (bulk vs discussion list) agrees with the index heuristic on "
            f"{self.kind_agreement:.1%} of listed messages: {self.kind_confusion}",
            f"hard_ham without list headers (mostly commercial newsletters, unlabelled) flagged by content: "
            f"{self.hard_ham_unlisted[0]}/{self.hard_ham_unlisted[1]}",
        ]


def newsletter_evaluate(*, corpus_dir: Path) -> NewsletterReport:
    """Positives: the 937 messages of newsletters/index.csv (they carry List-*/Precedence headers).
    Negatives: spam_ham/ ham not in the index, except hard_ham/, whose unlisted messages are mostly
    commercial newsletters sent without list headers (no label says which): for those only the share
    flagged is reported. Measured twice: with all headers, and with the list headers removed so only
    content cues remain (then the index's bulk_or_announcement rows are the positives; discussion-list
    traffic has no newsletter content and is left out)."""
    root = _root(corpus_dir)
    index = {row["file"]: row for row in _rows(root / "newsletters" / "index.csv")}
    unlisted = [
        (f"spam_ham/{row['file']}", row["subset"])
        for row in _rows(root / "spam_ham" / "labels.csv")
        if row["label"] == "ham" and f"spam_ham/{row['file']}" not in index
    ]
    ham = [path for path, subset in unlisted if subset != "hard_ham"]
    hard = [path for path, subset in unlisted if subset == "hard_ham"]
    hard_flagged = 0
    for path in hard:
        parsed = message_parse(raw=(root / path).read_bytes())
        signals = header_signals(parsed=parsed)
        hard_flagged += newsletter_detect(signals=signals, parsed=parsed, text=message_text(parsed=parsed))[0]
    truth, flagged, content_truth, content_flagged = [], [], [], []
    agreement, confusion = 0, dict[str, int]()
    for path in [*index, *ham]:
        parsed = message_parse(raw=(root / path).read_bytes())
        text = message_text(parsed=parsed)
        positive = path in index
        is_newsletter, kind, _ = newsletter_detect(
            signals=header_signals(parsed=parsed), parsed=parsed, text=text
        )
        truth.append(int(positive))
        flagged.append(int(is_newsletter))
        if positive:
            expected = "discussion_list" if index[path]["heuristic_kind"] == "discussion_list" else "bulk"
            agreement += int(kind == expected)
            key = f"{expected}->{kind}"
            confusion[key] = confusion.get(key, 0) + 1
        if not positive or index[path]["heuristic_kind"] == "bulk_or_announcement":
            stripped = header_signals(parsed=parsed, strip_names=STRIP_LIST_HEADERS)
            content_truth.append(int(positive))
            content_flagged.append(int(newsletter_detect(signals=stripped, parsed=parsed, text=text)[0]))
    return NewsletterReport(
        with_headers=binary_metrics(
            name="newsletter flag, all headers", y_true=np.array(truth), y_pred=np.array(flagged)
        ),
        content_only=binary_metrics(
            name="newsletter flag, list headers removed (content cues only; bulk rows vs ham)",
            y_true=np.array(content_truth),
            y_pred=np.array(content_flagged),
        ),
        kind_agreement=round(agreement / max(1, len(index)), 4),
        kind_confusion=confusion,
        hard_ham_unlisted=(hard_flagged, len(hard)),
    )


@dataclass(frozen=True, slots=True)
class CalendarReport:
    files: int
    recognised: int
    method_correct: int
    failures: tuple[str, ...]

    def lines(self) -> list[str]:
        return [
            f"calendar: {self.recognised}/{self.files} invites recognised, "
            f"{self.method_correct}/{self.files} with the right METHOD",
            *(f"  failed: {f}" for f in self.failures),
        ]


def calendar_evaluate(*, corpus_dir: Path) -> CalendarReport:
    """Every row of calendar/labels.csv (mails and standalone .ics) and every message listed in
    calendar/all_calendar_mails_index.csv must be recognised with its METHOD."""
    root = _root(corpus_dir)
    expected: dict[str, str] = {}
    for row in _rows(root / "calendar" / "labels.csv"):
        expected[f"calendar/{row['file']}"] = row["method"].upper()
    for row in _rows(root / "calendar" / "all_calendar_mails_index.csv"):
        methods = [
            p.split("METHOD=")[1].split(";")[0].strip() for p in row["parts"].split(";") if "METHOD=" in p
        ]
        body_method = next((m for m in methods if m not in {"", "-"}), None)
        if body_method is not None:
            expected.setdefault(row["file"], body_method.upper())
    recognised = correct = 0
    failures = []
    for path, method in sorted(expected.items()):
        raw = (root / path).read_bytes()
        if path.endswith(".ics"):
            invite = ics_invite(ics=raw.decode("utf-8", errors="replace"))
        else:
            invite = calendar_invite(parts=message_parse(raw=raw).calendar)
        recognised += invite is not None
        if invite is not None and invite.method == method:
            correct += 1
        else:
            failures.append(f"{path}: expected {method}, got {invite.method if invite else None}")
    return CalendarReport(len(expected), recognised, correct, tuple(failures))
