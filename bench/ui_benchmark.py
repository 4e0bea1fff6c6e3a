"""Dashboard and message-list speed with 100,000 messages for the logged-in user and 19 × 10,000 for others.

    .venv/bin/python bench/ui_benchmark.py [--main 100000] [--others 19] [--per-other 10000]
                                           [--runs 60] [--append-to docs/benchmarks.md]

Starts its own embedded PostgreSQL 18 + pgvector and Redis in a temporary folder (as the tests do, see
mailhelper/embedded.py), migrates, bulk-loads synthetic rows with ``INSERT … SELECT generate_series`` (two
accounts per user with INBOX/Archive/Trash/Sent, one logical message + one copy per message, a triage
result for 90 % of them with random urgency/importance, 30 % done, 3 % spam, 40 % unread, dates spread over
two years), runs ANALYZE, then times server-side requests through django.test.Client with a verified
session (middleware, session, templates: everything but the network). It reports p50/p95 in ms and the
query count of each request, with 10 and 50 rows for the list to show the count does not grow with the page.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from harness import django_on_embedded_servers  # noqa: E402 - bench/ is on the path when run as a script


def column_defaults(cursor, table: str) -> dict[str, str]:
    """A SQL value for every NOT NULL column without a database default (Django sets defaults in Python)."""
    cursor.execute(
        """SELECT column_name, data_type, udt_name FROM information_schema.columns
           WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL AND is_generated = 'NEVER'""",
        [table],
    )
    values = {}
    for name, data_type, udt in cursor.fetchall():
        if data_type == "ARRAY":
            values[name] = "'{}'"
        elif udt in ("jsonb", "json"):
            values[name] = "'[]'::jsonb"
        elif udt == "bool":
            values[name] = "false"
        elif udt in ("int2", "int4", "int8", "float4", "float8", "numeric"):
            values[name] = "0"
        elif udt in ("timestamptz", "timestamp", "date"):
            values[name] = "now()"
        elif udt == "tsvector":
            values[name] = "''::tsvector"
        else:
            values[name] = "''"
    return values


def insert_select(cursor, table: str, overrides: dict[str, str], source: str) -> None:
    values = column_defaults(cursor, table)
    values.pop("id", None)
    values.update(overrides)
    columns = ", ".join(f'"{c}"' for c in values)
    cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {', '.join(values.values())} {source}")


def seed_user(
    cursor, *, owner_id: int, accounts: list[int], folders: dict[int, dict[str, int]], count: int
) -> None:
    """``count`` messages for one user, split over their accounts (INBOX 70 %, Archive 25 %, Trash 3 %, Sent 2 %)."""
    cursor.execute("SELECT coalesce(max(id), 0) FROM emails_logicalmessage")
    base = cursor.fetchone()[0]
    insert_select(
        cursor,
        "emails_logicalmessage",
        {
            "owner_id": str(owner_id),
            "fingerprint": f"'u{owner_id}-' || g",
            "message_id": f"'<u{owner_id}-' || g || '@bench.example>'",
            "first_seen_at": "now()",
        },
        f"FROM generate_series(1, {count}) AS g",
    )
    a0, a1 = accounts
    f0, f1 = folders[a0], folders[a1]
    folder_case = (
        "CASE WHEN g % 2 = 0 THEN (CASE WHEN g % 100 < 70 THEN {i0} WHEN g % 100 < 95 THEN {r0} WHEN g % 100 < 98 "
        "THEN {t0} ELSE {s0} END) ELSE (CASE WHEN g % 100 < 70 THEN {i1} WHEN g % 100 < 95 THEN {r1} "
        "WHEN g % 100 < 98 THEN {t1} ELSE {s1} END) END"
    ).format(
        i0=f0["inbox"], r0=f0["archive"], t0=f0["trash"], s0=f0["sent"],
        i1=f1["inbox"], r1=f1["archive"], t1=f1["trash"], s1=f1["sent"],
    )  # fmt: skip
    insert_select(
        cursor,
        "emails_message",
        {
            "owner_id": str(owner_id),
            "account_id": f"CASE WHEN g % 2 = 0 THEN {a0} ELSE {a1} END",
            "folder_id": folder_case,
            "logical_id": f"{base} + g",
            "uidvalidity": "1",
            "uid": "g",
            "message_id": f"'<u{owner_id}-' || g || '@bench.example>'",
            "subject": "'Synthetic message ' || g || ' about ' || (ARRAY['invoice','meeting','newsletter','report','party','server'])[1 + g % 6]",
            "from_name": "'Sender ' || (g % 700)",
            "from_address": "'sender' || (g % 700) || '@example.org'",
            "received_at": "now() - (g * interval '10 minutes') * (730.0 * 144 / " + str(count) + ")",
            "is_seen": "g % 10 >= 4",
            "is_flagged": "g % 50 = 0",
            "has_attachments": "g % 7 = 0",
            "size": "2000 + g % 5000",
            "text_body": "repeat('Body text of a synthetic message. ', 30)",
            "raw_headers": "repeat('X-Header: value\n', 20)",
        },
        f"FROM generate_series(1, {count}) AS g",
    )
    insert_select(
        cursor,
        "emails_triage",
        {
            "owner_id": str(owner_id),
            "logical_id": f"{base} + g",
            "urgency": "1 + (g * 7) % 3",
            "importance": "1 + (g * 13 / 3) % 3",
            "score": "2 * (1 + (g * 7) % 3) + (1 + (g * 13 / 3) % 3)",
            "colour": (
                "CASE WHEN 2 * (1 + (g * 7) % 3) + (1 + (g * 13 / 3) % 3) >= 8 THEN 'red' "
                "WHEN 2 * (1 + (g * 7) % 3) + (1 + (g * 13 / 3) % 3) >= 5 THEN 'yellow' ELSE 'green' END"
            ),
            "category": "(ARRAY['action_required','meeting','invoice_payment','newsletter','notification','personal','info','info'])[1 + g % 8]",
            "summary": "'A short synthetic summary of message ' || g",
            "is_spam": "g % 33 = 0",
            "is_newsletter": "g % 8 = 3",
            "invite": 'CASE WHEN g % 8 = 1 THEN \'{"method": "REQUEST"}\'::jsonb ELSE NULL END',
            "done_at": "CASE WHEN g % 10 < 3 THEN now() ELSE NULL END",
            "sources": "'{}'::jsonb",
            "language": "'en'",
            "confidence": "0.8",
            "analyzed_at": "now()",
            "updated_at": "now()",
        },
        f"FROM generate_series(1, {count}) AS g WHERE g % 10 <> 9",
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--main", type=int, default=100_000)
    parser.add_argument("--others", type=int, default=19)
    parser.add_argument("--per-other", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--append-to", default="")
    parser.add_argument("--profile", default="", help="cProfile the scenario with this label")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the slowest queries")
    args = parser.parse_args()

    servers = django_on_embedded_servers(name="uibench")
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    try:
        from accounts.models import MailAccount
        from emails.models import FolderRole, MailFolder
        from emails.services.dashboard_cache import dashboard_invalidate
        from mailhelper.testing.auth import user_create, verified_client_for

        started = time.monotonic()
        users = [user_create(username=f"user{i:02d}") for i in range(args.others + 1)]
        with connection.cursor() as cursor:
            for index, user in enumerate(users):
                accounts: list[int] = []
                folders: dict[int, dict[str, int]] = {}
                for name in ("Work", "Home"):
                    account = MailAccount(owner=user, name=name, imap_host="imap.example.org", username=name)
                    account.password_set("secret")
                    account.save()
                    accounts.append(account.pk)
                    folders[account.pk] = {}
                    for folder_name, role in (("INBOX", FolderRole.INBOX), ("Archive", FolderRole.ARCHIVE),
                                              ("Trash", FolderRole.TRASH), ("Sent", FolderRole.SENT)):  # fmt: skip
                        folder = MailFolder.objects.create(
                            owner=user, account=account, name=folder_name, raw_name=folder_name, role=role
                        )
                        folders[account.pk][role] = folder.pk
                count = args.main if index == 0 else args.per_other
                seed_user(cursor, owner_id=user.pk, accounts=accounts, folders=folders, count=count)
        with connection.cursor() as cursor:  # outside a transaction: VACUUM sets the visibility map
            cursor.execute("VACUUM ANALYZE")
        seed_seconds = time.monotonic() - started
        main_user = users[0]
        main_accounts = list(
            MailAccount.objects.filter(owner=main_user).order_by("pk").values_list("pk", flat=True)
        )
        client = verified_client_for(main_user)

        deep_cursor = ""
        for _ in range(20):  # 20 pages deep (1,000 rows in), to show keyset pages cost the same
            response = client.get("/mail/rows/", {"cursor": deep_cursor})
            deep_cursor = response.context["page"].next_cursor

        scenarios: list[tuple[str, str, dict[str, str | int]]] = [
            ("dashboard", "/", {}),
            ("dashboard, cold (cache dropped each time)", "/", {}),
            ("dashboard, one account", "/", {"account": main_accounts[0]}),
            ("dashboard panel (htmx)", "/mail/dashboard/panel/", {}),
            ("list, 10 rows", "/mail/", {"size": 10}),
            ("list, 50 rows", "/mail/", {"size": 50}),
            ("list, 50 rows, page 21 (keyset)", "/mail/", {"cursor": deep_cursor}),
            ("list, sort by score", "/mail/", {"sort": "score"}),
            ("list, sort by sender", "/mail/", {"sort": "sender"}),
            ("list, matrix cell 3-3 open", "/mail/", {"cell": "3-3", "state": "open"}),
            ("list, unread", "/mail/", {"unread": "1"}),
            ("list, invites in one account", "/mail/", {"invite": "1", "account": main_accounts[1]}),
            ("rows partial (htmx), 50", "/mail/rows/", {"size": 50}),
        ]
        results = []
        slow_queries = []
        for label, url, params in scenarios:
            for _ in range(5):
                assert client.get(url, params).status_code == 200
            if "cold" in label:
                dashboard_invalidate(user_id=main_user.pk)
            with CaptureQueriesContext(connection) as ctx:
                client.get(url, params)
            queries = len(ctx.captured_queries)
            sql_ms = sum(float(q["time"]) for q in ctx.captured_queries) * 1000
            slow_queries.append((label, max(ctx.captured_queries, key=lambda q: float(q["time"]))))
            times = []
            cold = "cold" in label
            for _ in range(args.runs):
                if cold:  # as after a write: the per-user aggregates are recomputed
                    dashboard_invalidate(user_id=main_user.pk)
                t0 = time.perf_counter()
                response = client.get(url, params)
                times.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200
            results.append((label, statistics.median(times), percentile(times, 0.95), queries))
            print(
                f"{label:40s} p50 {results[-1][1]:7.1f} ms  p95 {results[-1][2]:7.1f} ms  {queries:3d} queries  sql {sql_ms:6.1f} ms"
            )
        if args.profile:
            import cProfile
            import pstats

            label, url, params = next(s for s in scenarios if s[0] == args.profile)
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(20):
                client.get(url, params)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
        if args.explain:
            with connection.cursor() as cursor:
                for label, query in slow_queries:
                    print(f"\n== {label}: slowest query {query['time']} s\n{query['sql'][:600]}")
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                    print("\n".join(r[0] for r in cursor.fetchall()[:25]))
    finally:
        servers.stop()

    total_rows = args.main + args.others * args.per_other
    lines = [
        "",
        f"## UI: dashboard and message list ({datetime.now(UTC).date().isoformat()})",
        "",
        f"- Machine: {platform.node() or 'unknown'} · {platform.machine()} · {os.cpu_count()} CPUs · "
        f"Python {platform.python_version()} · {platform.platform(terse=True)}",
        f"- Command: `.venv/bin/python bench/ui_benchmark.py --main {args.main} --others {args.others} "
        f"--per-other {args.per_other} --runs {args.runs}`",
        f"- Data: {total_rows:,} messages ({args.main:,} for the logged-in user, {args.others} others × "
        f"{args.per_other:,}), 90 % triaged, loaded in {seed_seconds:.0f} s; embedded PostgreSQL 18 "
        "(fsync off, as in the tests) and Redis on the same machine.",
        "- Timed server-side through django.test.Client with a verified session (middleware, session, "
        f"queries, templates; no network), {args.runs} runs after 5 warm-ups.",
        "",
        "| request | p50 ms | p95 ms | queries |",
        "|---|---:|---:|---:|",
        *[f"| {label} | {p50:.1f} | {p95:.1f} | {queries} |" for label, p50, p95, queries in results],
        "",
    ]
    print("\n".join(lines))
    if args.append_to:
        with open(args.append_to, "a", encoding="utf-8") as handle:
            handle.write("\n".join(lines))


if __name__ == "__main__":
    main()
