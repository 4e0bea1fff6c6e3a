"""The LLM (analyze) stage alone: throughput with 1, 4 and 16 concurrent calls against a slow provider.

    .venv/bin/python bench/llm_stage_benchmark.py [--delay 0.5] [--per-call 8] [--append-to docs/benchmarks.md]

Starts its own embedded PostgreSQL + Redis (as the tests do), a local HTTP server speaking the OpenAI chat
wire format that answers after ``--delay`` seconds, and stores mail through the sync engine's storage. The
parse, sanitize and embed stages run first; then, for each concurrency c, ``c × --per-call`` messages go
through ``emails.pipeline.services.analyze_run`` — exactly what the ``ai`` queue's task runs — on a pool
of c threads, as a Celery worker started with ``--pool threads -c 16`` would. The stage gives its database
connection back while it waits on the provider, which is what lets the threads overlap.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from harness import django_on_embedded_servers  # noqa: E402 - bench/ is on the path when run as a script

ANSWER = {
    "urgency": 2,
    "importance": 2,
    "category": "info",
    "summary": "[NAME_1] shares the quarterly numbers.",
    "action_items": [],
    "deadline": None,
    "is_spam": False,
    "is_newsletter": False,
    "language": "en",
    "confidence": 0.8,
}


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--delay", type=float, default=0.5)
    parser.add_argument("--per-call", type=int, default=8, help="messages per concurrent slot")
    parser.add_argument("--concurrency", default="1,4,16")
    parser.add_argument("--append-to", default="")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]

    servers = django_on_embedded_servers(name="llmbench")
    from django.db import connection

    try:
        from emails.ai.tests.fake_servers import FakeServer, Reply, openai_chat
        from emails.models import AIProviderSettings, Triage
        from emails.pipeline import services, state
        from emails.pipeline.services import analyze_run
        from emails.pipeline.tests.factories import folder_make, mail_store, raw_mail
        from mailhelper.testing.auth import user_create

        user = user_create(username="bench")
        folder = folder_make(user)
        total = sum(levels) * args.per_call
        logical_ids = []
        for n in range(total):
            message = mail_store(folder, raw_mail(subject=f"Quarterly numbers {n}"))
            state.processing_ensure(logical_ids=[message.logical_id])
            logical_ids.append(message.logical_id)
        for logical_id in logical_ids:
            for stage in ("parse", "sanitize", "embed"):
                services.stage_run(logical_id=logical_id, stage=stage)
        results = []
        with FakeServer() as server:
            server.default = Reply(body=openai_chat(json.dumps(ANSWER)), delay=args.delay)
            ai = AIProviderSettings(
                owner=user,
                provider="openai",
                endpoint=server.url + "/v1",
                model="gpt-4o-mini",
                daily_token_budget=0,
                daily_request_budget=0,
            )
            ai.api_key_set("sk-bench")
            ai.save()
            connection.close()

            def one(logical_id: int) -> str:
                try:
                    return analyze_run(logical_id=logical_id)
                finally:
                    connection.close()

            cursor = 0
            for level in levels:
                batch = logical_ids[cursor : cursor + level * args.per_call]
                cursor += len(batch)
                started = time.perf_counter()
                if level == 1:  # in this thread, so a profiler sees it
                    outcomes = [one(logical_id) for logical_id in batch]
                else:
                    with ThreadPoolExecutor(max_workers=level) as pool:
                        outcomes = list(pool.map(one, batch))
                elapsed = time.perf_counter() - started
                done = outcomes.count("done")
                results.append((level, len(batch), done, elapsed, done / elapsed))
                print(
                    f"concurrency {level:2d}: {done}/{len(batch)} analysed in {elapsed:.2f}s = {done / elapsed:.2f} msgs/s"
                )
            openai_triages = Triage.objects.filter(owner=user, provider="openai").count()
        base = results[0][4]
        speedups = [(level, rate / base) for level, _n, _d, _e, rate in results]
        peak = rss_mb()
        print("speed-up over 1:", ", ".join(f"{level}: {s:.1f}x" for level, s in speedups))
        print(f"peak RSS {peak:.0f} MB; {openai_triages} triages decided with the provider")
        if args.append_to:
            stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
            rows = "\n".join(
                f"| {level} | {n} | {done} | {elapsed:.2f} | {rate:.2f} | {rate / base:.1f}× |"
                for level, n, done, elapsed, rate in results
            )
            section = f"""
## LLM stage alone against a provider answering after {args.delay * 1000:.0f} ms ({stamp})

Machine: {os.cpu_count()} CPU, Python {platform.python_version()}, {platform.platform()}; load average
{" / ".join(f"{x:.1f}" for x in os.getloadavg())}.
Command: `.venv/bin/python bench/llm_stage_benchmark.py --delay {args.delay} --per-call {args.per_call}`

| concurrent calls | messages | analysed | seconds | msgs/s | speed-up over 1 |
|---|---|---|---|---|---|
{rows}

Peak RSS of the process (Django, the local analyzer and embedding model, 16 threads): {peak:.0f} MB.
Target: ≥ 12× at 16 over 1, peak RSS per worker < 500 MB.
"""
            with open(args.append_to, "a", encoding="utf-8") as handle:
                handle.write(section)
    finally:
        servers.stop()


if __name__ == "__main__":
    main()
