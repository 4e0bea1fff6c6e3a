"""emails.parsing against the shared real-world corpus (skipped when ../shared/corpus is absent)."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import pytest

from emails.parsing import ParsedMessage, message_parse
from mailhelper.testing.corpus import corpus_or_skip

NON_MESSAGE_SUFFIXES = {".json", ".csv", ".md", ".list"}
SUBSET_MODULUS = 40
# Measured: 25 of 25 stalwart files with an expected Subject match; keep a little slack.
STALWART_SUBJECT_MATCH_FLOOR = 0.95


def message_files(root: Path) -> list[Path]:
    files = []
    for folder in ("mime", "spam_ham"):
        files += [path for path in sorted((root / folder).rglob("*")) if path.is_file()]
    return files


def subset_pick(root: Path) -> list[Path]:
    """A fixed ~60-file subset: every file whose path hashes to 0 modulo 40, plus the known monsters."""
    picked = []
    for path in message_files(root):
        if path.suffix in NON_MESSAGE_SUFFIXES:
            continue
        relative = path.relative_to(root).as_posix()
        if int(hashlib.sha256(relative.encode()).hexdigest(), 16) % SUBSET_MODULUS == 0:
            picked.append(path)
    return picked


def assert_well_formed(parsed: ParsedMessage, name: str) -> None:
    assert parsed.message_id or parsed.warnings, name
    assert isinstance(parsed.subject, str), name
    assert "\n" not in parsed.subject, name
    assert "\r" not in parsed.subject, name
    assert "\x00" not in parsed.text_body + parsed.html_body + parsed.subject, name
    assert parsed.date is None or parsed.date.tzinfo is not None, name
    assert all(item.part_id and item.part_id[0].isdigit() for item in parsed.attachments), name


def test_corpus_subset_parses_without_errors() -> None:
    """GIVEN a fixed ~60-file subset of mime/ and spam_ham/ WHEN each is parsed THEN results are well formed."""
    root = corpus_or_skip()
    files = subset_pick(root)
    assert 40 <= len(files) <= 100
    for path in files:
        parsed = message_parse(raw=path.read_bytes())
        assert_well_formed(parsed, str(path))
        assert "parse_error" not in parsed.warnings, str(path)


def test_corpus_long_header_is_truncated_and_fast() -> None:
    """GIVEN flanker's 210 KB Subject WHEN parsed THEN the subject is cut with a warning, well under 50 ms."""
    raw = corpus_or_skip("mime", "flanker", "long-header.eml").read_bytes()
    started = time.perf_counter()
    parsed = message_parse(raw=raw)
    elapsed = time.perf_counter() - started
    assert "header_truncated:subject" in parsed.warnings
    assert parsed.subject.startswith("Die heiße Zypernsonne")
    assert len(parsed.subject) < 10_000
    assert elapsed < 0.05


def test_corpus_calendar_invitation_is_found() -> None:
    """GIVEN postal-mime's Google invitation WHEN parsed THEN both calendar parts carry METHOD REQUEST."""
    parsed = message_parse(
        raw=corpus_or_skip("calendar", "mail", "postal-mime_calendar-event.eml").read_bytes()
    )
    assert [part.method for part in parsed.calendar] == ["REQUEST", "REQUEST"]
    assert [item.filename for item in parsed.attachments] == ["invite.ics"]


def _stalwart_expected_subjects(root: Path) -> list[tuple[Path, str]]:
    cases = []
    for expected_file in sorted(root.rglob("*.json")):
        tree = json.loads(expected_file.read_text(encoding="utf-8"))
        for header in tree["parts"][0]["headers"]:
            value = header["value"]
            if header["name"] == "subject" and isinstance(value, dict) and "Text" in value:
                cases.append((expected_file.with_suffix(".eml"), " ".join(value["Text"].split())))
                break
    return cases


def test_stalwart_subjects_match_expected_parse_trees() -> None:
    """GIVEN stalwart's NNN.json expected trees WHEN the .eml is parsed THEN decoded subjects match them."""
    cases = _stalwart_expected_subjects(corpus_or_skip("mime", "stalwart_mail-parser"))
    assert len(cases) >= 20
    mismatches = [
        (path.name, parsed_subject, expected)
        for path, expected in cases
        if (parsed_subject := message_parse(raw=path.read_bytes()).subject) != expected
    ]
    rate = 1 - len(mismatches) / len(cases)
    print(f"stalwart subject match rate: {len(cases) - len(mismatches)}/{len(cases)} = {rate:.1%}")
    assert rate >= STALWART_SUBJECT_MATCH_FLOOR, mismatches


@pytest.mark.corpus_full
def test_corpus_every_file_parses_in_bounded_time() -> None:
    """GIVEN every file under mime/ and spam_ham/ WHEN parsed THEN none raises and none takes over 0.5 s."""
    root = corpus_or_skip()
    slow = []
    for path in message_files(root):
        started = time.perf_counter()
        parsed = message_parse(raw=path.read_bytes())
        elapsed = time.perf_counter() - started
        assert_well_formed(parsed, str(path))
        if elapsed > 0.5:
            slow.append((str(path), round(elapsed, 3)))
    assert not slow
