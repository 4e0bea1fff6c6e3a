"""Sync engine benchmark: Dovecot -> PostgreSQL, next to two bare-Python loops over the same mailbox.

    .venv/bin/python bench/sync_benchmark.py [--sizes 1000,10000] [--append-to docs/benchmarks.md]
        [--skip-bare] [--condstore-only]

Starts its own embedded PostgreSQL + Redis and an unprivileged Dovecot in temporary folders, seeds one
INBOX per size from ../shared/corpus (mime + spam_ham .eml files, round-robin, each copy with a fresh
Message-ID), then measures in this order, in one process:
1. ``account_sync`` initial sync (fetch + parse + store, everything the engine does), and the peak RSS growth;
2. a no-change re-sync (twice; the second is printed only), then a re-sync after another client expunged
   10 messages and flagged 10 others (QRESYNC on Dovecot; ``--condstore-only`` makes Dovecot advertise
   CONDSTORE without QRESYNC, to compare with the engine's CONDSTORE path);
3. bare loop: IMAPClient fetch of every message + ``email.message_from_bytes(policy=policy.default)``
   reading the headers and text/html bodies;
4. the same with ``compat32`` (``decode_header`` + ``get_payload(decode=True)``).
"""

from __future__ import annotations

import argparse
import email
import email.policy
import os
import platform
import random
import resource
import shutil
import sys
import time
from datetime import UTC, datetime, timedelta
from email.header import decode_header
from pathlib import Path
from typing import cast

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from harness import django_on_embedded_servers  # noqa: E402 - bench/ is on the path when run as a script


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def corpus_messages() -> list[bytes]:
    root = Path(os.environ.get("MAILHELPER_CORPUS", REPO.parent / "shared" / "corpus"))
    files = sorted([*root.joinpath("mime").rglob("*.eml"), *root.joinpath("spam_ham").rglob("*.eml")])
    random.Random(42).shuffle(files)
    return [f.read_bytes() for f in files]


def seed(server, username: str, count: int, sources: list[bytes]) -> int:
    """Write ``count`` messages straight into the user's Maildir (as Dovecot's user); returns bytes."""
    maildir = server.root / "mail" / username
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    total = 0
    start = datetime(2023, 1, 1, tzinfo=UTC)
    for i in range(count):
        raw = sources[i % len(sources)]
        date = (start + timedelta(minutes=157 * i)).strftime("%a, %d %b %Y %H:%M:%S +0000")
        header = f"Message-ID: <bench-{i}@bench.example>\r\nDate: {date}\r\n".encode()
        body = header + b"\n".join(
            line for line in raw.split(b"\n") if not line.lower().startswith((b"message-id:", b"date:"))
        )
        # Delivered mail as a client already saw it: cur/ with the size in the name (Dovecot's own format).
        flags = "S" if i % 10 < 7 else ""
        path = maildir / "cur" / f"{1700000000 + i}.M{i}P1.bench,S={len(body)}:2,{flags}"
        path.write_bytes(body)
        total += len(body)
    if os.geteuid() == 0:
        for path in [server.root / "mail", maildir, *maildir.rglob("*")]:
            shutil.chown(path, user="nobody", group="nogroup")
    return total


def bare_loop(server, username: str, *, modern: bool) -> float:
    from imapclient import IMAPClient

    started = time.perf_counter()
    client = IMAPClient("127.0.0.1", port=server.port, ssl=False, timeout=60)
    client.login(username, "secret")
    client.select_folder("INBOX", readonly=True)
    uids = client.search(["ALL"])
    for begin in range(0, len(uids), 200):
        for data in client.fetch(uids[begin : begin + 200], [b"FLAGS", b"BODY.PEEK[]"]).values():
            raw = data[b"BODY[]"]
            if modern:
                msg = email.message_from_bytes(raw, policy=email.policy.default)
                for name in (
                    "subject",
                    "from",
                    "to",
                    "cc",
                    "date",
                    "message-id",
                    "in-reply-to",
                    "references",
                ):
                    try:
                        str(msg.get(name, ""))
                    except Exception:
                        pass
                for part in msg.walk():
                    if part.get_content_type() in ("text/plain", "text/html") and not part.is_attachment():
                        try:
                            part.get_content()
                        except Exception:
                            part.get_payload(decode=True)
            else:
                legacy = email.message_from_bytes(raw)
                for name in (
                    "subject",
                    "from",
                    "to",
                    "cc",
                    "date",
                    "message-id",
                    "in-reply-to",
                    "references",
                ):
                    try:
                        decode_header(str(legacy.get(name, "")))
                    except Exception:
                        pass
                for legacy_part in legacy.walk():
                    if legacy_part.get_content_type() in ("text/plain", "text/html"):
                        payload = cast(bytes, legacy_part.get_payload(decode=True) or b"")
                        try:
                            payload.decode(legacy_part.get_content_charset() or "ascii", "replace")
                        except LookupError:
                            payload.decode("latin-1")
    client.logout()
    return time.perf_counter() - started


def changed_resync(server, username: str, account) -> float:
    """Another client expunges 10 messages and flags 10 others, spread over the folder; time the re-sync."""
    from emails.services.sync import account_sync

    uids = server.uids(username, "INBOX")
    step = max(1, len(uids) // 10)
    server.expunge(username, "INBOX", uids[::step][:10])
    server.flags_set(username, "INBOX", uids[step // 2 :: step][:10], [b"\\Flagged"])
    started = time.perf_counter()
    report = account_sync(account=account)
    elapsed = time.perf_counter() - started
    assert (report.deleted, report.updated) == (10, 10), report
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--append-to", default="")
    parser.add_argument("--skip-bare", action="store_true", help="only the sync engine (for quick checks)")
    parser.add_argument(
        "--condstore-only", action="store_true", help="Dovecot without QRESYNC (the engine's CONDSTORE path)"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    servers = django_on_embedded_servers(name="bench")
    from accounts.models import User
    from accounts.models.mail_account import MailAccount
    from emails.models import Message
    from emails.services.sync import account_sync
    from mailhelper.testing.imap_servers import DOVECOT_CONDSTORE_ONLY, dovecot_start

    server = dovecot_start(capability=DOVECOT_CONDSTORE_ONLY if args.condstore_only else None)
    sources = corpus_messages()
    owner = User.objects.create(username="bench")
    rows = []
    try:
        for size in sizes:
            username = f"bench{size}"
            server.user_add(username, "secret")
            wire_bytes = seed(server, username, size, sources)
            account = MailAccount(
                owner=owner,
                name=username,
                imap_host="127.0.0.1",
                imap_port=server.port,
                imap_security="none",
                username=username,
            )
            account.password_set("secret")
            account.save()
            rss_before = rss_mb()
            started = time.perf_counter()
            report = account_sync(account=account, time_budget=3600)
            initial = time.perf_counter() - started
            rss_growth = rss_mb() - rss_before
            stored = Message.objects.filter(account=account).count()
            started = time.perf_counter()
            again = account_sync(account=account)
            resync = time.perf_counter() - started
            assert again.new == 0, again
            assert stored == size, (stored, size)
            started = time.perf_counter()
            if os.environ.get("BENCH_PROFILE"):
                import cProfile

                cProfile.runctx("account_sync(account=account)", globals(), locals(), sort="cumtime")
            else:
                account_sync(account=account)
            resync2 = time.perf_counter() - started
            print(
                f"no-change re-sync {resync * 1000:.0f} ms ({again}), second {resync2 * 1000:.0f} ms",
                flush=True,
            )
            changed_s = changed_resync(server, username, account)
            print(f"re-sync after 10 expunged + 10 flagged {changed_s * 1000:.0f} ms", flush=True)
            if args.skip_bare:
                continue
            modern = bare_loop(server, username, modern=True)
            compat = bare_loop(server, username, modern=False)
            rows.append((size, wire_bytes, initial, resync, changed_s, rss_growth, modern, compat))
            print(
                f"{size:>6} msgs ({wire_bytes / 1e6:.1f} MB): sync {initial:.2f}s = {size / initial:.0f} msg/s, "
                f"no-change re-sync {resync * 1000:.0f} ms, re-sync after changes {changed_s * 1000:.0f} ms, "
                f"peak RSS growth {rss_growth:.0f} MB | "
                f"bare policy.default {modern:.2f}s = {size / modern:.0f} msg/s | "
                f"bare compat32 {compat:.2f}s = {size / compat:.0f} msg/s",
                flush=True,
            )
    finally:
        server.stop()
        servers.stop()

    if args.append_to:
        cpu = next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        lines = [
            "",
            f"## Sync engine: Dovecot → PostgreSQL ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)",
            "",
            f"Machine: {os.cpu_count()} CPU ({cpu}), Python {platform.python_version()}, {platform.platform()}; "
            "Dovecot and embedded PostgreSQL 18 on the same machine, warm page cache.",
            f"Command: `.venv/bin/python bench/sync_benchmark.py --sizes {args.sizes} --append-to {args.append_to}"
            f"{' --condstore-only' if args.condstore_only else ''}`",
            "",
            "| messages | MB | initial sync s | msgs/s (incl. storage) | no-change re-sync s "
            "| re-sync after 10 expunged + 10 flagged s | peak RSS growth MB "
            "| bare fetch + policy.default s (msgs/s) | bare fetch + compat32 s (msgs/s) |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for size, wire, initial, resync, changed, rss, modern, compat in rows:
            lines.append(
                f"| {size:,} | {wire / 1e6:.1f} | {initial:.2f} | {size / initial:.0f} | {resync:.3f} "
                f"| {changed:.3f} | {rss:.0f} "
                f"| {modern:.2f} ({size / modern:.0f}) | {compat:.2f} ({size / compat:.0f}) |"
            )
        with open(args.append_to, "a") as out:
            out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
