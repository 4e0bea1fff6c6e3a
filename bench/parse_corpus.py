"""Benchmark emails.parsing.message_parse against the stdlib parsers on the shared corpus.

Parses every message file under <corpus>/mime and <corpus>/spam_ham (metadata such as .json, .csv, .md,
.list and COPYING is skipped) and prints messages/s, ms/msg (median, mean, p99), peak RSS and warning
counts. Each parser runs in its own child process, so peak RSS figures do not mix. Input is converted to
CRLF by default, as IMAP delivers it.

    .venv/bin/python bench/parse_corpus.py [--corpus ../shared/corpus] [--as-is] [--rounds 3]
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import email
import email.policy
import json
import re
import resource
import statistics
import subprocess
import sys
import time
from email.header import decode_header
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SKIPPED_SUFFIXES = {".json", ".csv", ".md", ".list"}
SKIPPED_NAMES = {"COPYING", "LICENSE", "README"}
MODES = ("mailhelper", "compat32", "policy.default")


def corpus_files(corpus: Path) -> list[Path]:
    files = []
    for folder in ("mime", "spam_ham"):
        for path in sorted((corpus / folder).rglob("*")):
            if path.is_file() and path.suffix not in SKIPPED_SUFFIXES and path.name not in SKIPPED_NAMES:
                files.append(path)
    return files


def parse_mailhelper(raw: bytes) -> tuple[str, ...]:
    from emails.parsing import message_parse

    return message_parse(raw=raw).warnings


def _compat32_header(message: email.message.Message, name: str) -> str:
    value = message.get(name)
    if value is None:
        return ""
    try:
        return str(email.header.make_header(decode_header(str(value))))
    except (LookupError, UnicodeError, email.errors.HeaderParseError):
        return str(value)


def parse_compat32(raw: bytes) -> tuple[str, ...]:
    """The anchor's compat32 row: headers through decode_header, text parts through get_payload(decode=True)."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    for name in ("Subject", "From", "To", "Cc", "Date", "Message-ID", "In-Reply-To", "References"):
        _compat32_header(message, name)
    for part in message.walk():
        if (
            part.get_content_type() in ("text/plain", "text/html")
            and part.get_content_disposition() != "attachment"
        ):
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                try:
                    payload.decode(part.get_content_charset() or "ascii", "replace")
                except LookupError:
                    payload.decode("ascii", "replace")
    return ()


def parse_default(raw: bytes) -> tuple[str, ...]:
    """The anchor's policy.default row: str() of the headers, get_content() on every text part."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    for name in ("Subject", "From", "To", "Cc", "Date", "Message-ID", "In-Reply-To", "References"):
        with contextlib.suppress(Exception):  # a baseline must survive the corpus
            str(message.get(name, ""))
    for part in message.walk():
        if (
            part.get_content_type() in ("text/plain", "text/html")
            and part.get_content_disposition() != "attachment"
        ):
            try:
                part.get_content()
            except Exception:
                part.get_payload(decode=True)
    return ()


PARSERS = {"mailhelper": parse_mailhelper, "compat32": parse_compat32, "policy.default": parse_default}


def child_run(mode: str, corpus: Path, *, is_crlf: bool, rounds: int) -> dict[str, object]:
    sys.path.insert(0, str(REPO_ROOT))
    files = corpus_files(corpus)
    raws = [path.read_bytes() for path in files]
    if is_crlf:
        raws = [re.sub(rb"\r?\n", b"\r\n", raw) for raw in raws]
    parser = PARSERS[mode]
    parser(raws[0])  # imports and caches warm
    rss_before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    per_file = [0.0] * len(raws)
    warnings: collections.Counter[str] = collections.Counter()
    errors = 0
    total = 0.0
    for round_index in range(rounds):
        for index, raw in enumerate(raws):
            started = time.perf_counter()
            try:
                codes = parser(raw)
            except Exception:  # counted, not fatal, for the baselines
                errors += 1
                codes = ()
            elapsed = time.perf_counter() - started
            total += elapsed
            per_file[index] = elapsed if round_index == 0 else min(per_file[index], elapsed)
            if round_index == 0:
                warnings.update(code.split(":")[0] for code in codes)
    slowest = sorted(zip(per_file, files, strict=True), reverse=True)[:5]
    ordered = sorted(per_file)
    return {
        "mode": mode,
        "files": len(raws),
        "megabytes": sum(map(len, raws)) / 1e6,
        "msgs_per_s": len(raws) * rounds / total,
        "median_ms": statistics.median(ordered) * 1000,
        "mean_ms": statistics.fmean(ordered) * 1000,
        "p99_ms": ordered[int(len(ordered) * 0.99)] * 1000,
        "max_ms": ordered[-1] * 1000,
        "rss_before_mb": rss_before_kb / 1024,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "errors": errors,
        "warnings": dict(warnings.most_common()),
        "slowest": [(round(seconds * 1000, 1), str(path.relative_to(corpus))) for seconds, path in slowest],
    }


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--corpus", type=Path, default=REPO_ROOT.parent / "shared" / "corpus")
    arguments.add_argument("--as-is", action="store_true", help="keep the files' own line endings")
    arguments.add_argument("--rounds", type=int, default=3, help="timed passes over the corpus")
    arguments.add_argument("--modes", default=",".join(MODES))
    arguments.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    options = arguments.parse_args()
    if options.child:
        result = child_run(options.child, options.corpus, is_crlf=not options.as_is, rounds=options.rounds)
        print(json.dumps(result))
        return
    results = []
    for mode in options.modes.split(","):
        command = [sys.executable, __file__, "--child", mode, "--corpus", str(options.corpus)]
        command += ["--rounds", str(options.rounds)] + (["--as-is"] if options.as_is else [])
        output = subprocess.run(command, check=True, capture_output=True, text=True, timeout=1800).stdout
        results.append(json.loads(output.strip().splitlines()[-1]))
    first = results[0]
    print(f"corpus: {options.corpus} — {first['files']} files, {first['megabytes']:.1f} MB", end="")
    print(f", {'as-is' if options.as_is else 'CRLF'} line endings, {options.rounds} rounds (per-file: best)")
    header = f"{'parser':<16}{'msgs/s':>9}{'median ms':>11}{'mean ms':>9}{'p99 ms':>8}{'max ms':>9}"
    print(header + f"{'RSS before':>12}{'peak RSS':>10}{'errors':>8}")
    for result in results:
        print(
            f"{result['mode']:<16}{result['msgs_per_s']:>9.0f}{result['median_ms']:>11.3f}{result['mean_ms']:>9.3f}"
            f"{result['p99_ms']:>8.2f}{result['max_ms']:>9.1f}{result['rss_before_mb']:>10.0f}MB"
            f"{result['peak_rss_mb']:>8.0f}MB{result['errors']:>8}"
        )
    for result in results:
        print(
            f"\n{result['mode']} slowest: " + ", ".join(f"{path} {ms} ms" for ms, path in result["slowest"])
        )
        if result["warnings"]:
            print(f"{result['mode']} warnings (first round, by code): {result['warnings']}")


if __name__ == "__main__":
    main()
