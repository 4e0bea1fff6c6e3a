"""Throughput of the local analysis stage per process: analyze + embed, on 1,000 corpus messages.

    .venv/bin/python bench/local_analyzer_benchmark.py [--messages 1000] [--model ID ...] [--append-to docs/benchmarks.md]

Each model runs in a fresh child process of this script, so its peak RSS is its own.

Messages are parsed first (parsing is the sync stage's cost, measured elsewhere); then for each message the
stage does what the pipeline does: text → local_analyze → embedding text, and embeds in batches of 16.
Peak RSS is the process's maximum resident set (ru_maxrss), model included.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from emails.analysis.embeddings import MODELS, THREADS, embed_texts, embedding_text
from emails.analysis.local import local_analyze
from emails.analysis.report import default_corpus_dir
from emails.analysis.text import message_text
from emails.parsing import message_parse

BATCH = 16
BEGIN = "<!-- emails.analysis benchmark: begin -->"
END = "<!-- emails.analysis benchmark: end -->"


def _messages(corpus: Path, count: int) -> list[bytes]:
    with (corpus / "spam_ham" / "labels.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    step = max(1, len(rows) // count)
    return [(corpus / "spam_ham" / row["file"]).read_bytes() for row in rows[::step][:count]]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--model", action="append", choices=sorted(MODELS))
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--append-to", type=Path, default=None)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_run(args.corpus or default_corpus_dir(), args.messages, args.model[0])))
        return
    results = []
    for model in args.model or sorted(MODELS):
        command = [sys.executable, __file__, "--child", "--messages", str(args.messages), "--model", model]
        if args.corpus:
            command += ["--corpus", str(args.corpus)]
        output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=3600).stdout
        result = json.loads(output.strip().splitlines()[-1])
        results.append(result)
        print(" ".join(f"{key}={value}" for key, value in result.items()), flush=True)
    if args.append_to:
        _write_section(args.append_to, results)


def _run(corpus: Path, count: int, model: str) -> dict[str, object]:
    """One model, in this process: parse, then analyze + embed every message."""

    raws = _messages(corpus, count)
    parsed = [message_parse(raw=raw) for raw in raws]
    rss_before_model = _rss_mb()
    embed_texts(["warm up"], model_id=model)
    rss_model = _rss_mb()

    analyze_seconds = embed_seconds = 0.0
    started = time.perf_counter()
    cpu_started = time.process_time()
    pending: list[str] = []
    for message in parsed:
        t0 = time.perf_counter()
        text = message_text(parsed=message)
        local_analyze(parsed=message, text=text, user_language="de")
        pending.append(embedding_text(subject=message.subject, body=text))
        t1 = time.perf_counter()
        analyze_seconds += t1 - t0
        if len(pending) == BATCH:
            embed_texts(pending, model_id=model)
            pending = []
            embed_seconds += time.perf_counter() - t1
    if pending:
        t1 = time.perf_counter()
        embed_texts(pending, model_id=model)
        embed_seconds += time.perf_counter() - t1
    total = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    n = len(parsed)
    load = os.getloadavg()
    result = {
        "messages": n,
        "model": model,
        "total_s": round(total, 1),
        "msgs_per_s": round(n / total, 1),
        "msgs_per_cpu_s": round(n / cpu, 1),
        "analyze_only_msgs_per_s": round(n / analyze_seconds, 1),
        "embed_only_msgs_per_s": round(n / embed_seconds, 1),
        "rss_before_model_mb": round(rss_before_model),
        "rss_after_model_load_mb": round(rss_model),
        "peak_rss_mb": round(_rss_mb()),
        "load_average": f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}",
    }
    for key, value in result.items():
        print(f"{key}: {value}")
    return result


def _write_section(path: Path, results: list[dict[str, object]]) -> None:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    rows = "\n".join(
        f"| {r['messages']:,} | {r['model']} | {r['total_s']} | **{r['msgs_per_s']}** | {r['msgs_per_cpu_s']} | "
        f"{r['analyze_only_msgs_per_s']} | {r['embed_only_msgs_per_s']} | {r['rss_before_model_mb']} | "
        f"{r['rss_after_model_load_mb']} | {r['peak_rss_mb']} | {r['load_average']} |"
        for r in results
    )
    section = f"""{BEGIN}
## Local analyzer (no LLM) + embeddings, one process per model ({stamp})

Machine: {os.cpu_count()} CPU, Python {platform.python_version()}, {platform.platform()}; embeddings with
{THREADS} intra-op threads. Command: `.venv/bin/python bench/local_analyzer_benchmark.py --append-to docs/benchmarks.md`

| messages | model | total s | msgs/s wall (analyze + embed) | msgs per CPU-second | analyze only msgs/s | embed only msgs/s | RSS before model MB | after model load MB | peak RSS MB | load average 1/5/15 |
|---|---|---|---|---|---|---|---|---|---|---|
{rows}

Messages: {results[0]["messages"]:,} of spam_ham/ (an even spread of labels.csv rows), parsed beforehand. Embedded
text per mail: subject + the first 300 characters without URLs/addresses (`embedding_text`), batches of {BATCH}.
{END}
"""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if BEGIN in text and END in text:
        before, rest = text.split(BEGIN, 1)
        after = rest.split(END, 1)[1]
        text = before + section.rstrip("\n") + after
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
