"""One text report of every evaluation, shared by ``manage.py evaluate`` and ``bench/evaluate_corpus.py``."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

PARTS = ("spam", "newsletter", "calendar", "embeddings")


def default_corpus_dir() -> Path:
    """``$MAILHELPER_CORPUS`` or ``../shared/corpus`` beside the checkout (as mailhelper.testing.corpus,
    without importing pytest into production code)."""
    configured = os.environ.get("MAILHELPER_CORPUS")
    return Path(configured) if configured else Path(__file__).resolve().parents[3] / "shared" / "corpus"


def evaluation_report(*, corpus_dir: Path, parts: tuple[str, ...] = PARTS, folds: int = 5) -> Iterator[str]:
    """Yield report lines part by part (the spam k-fold takes about a minute, the others seconds)."""
    runners: dict[str, Callable[[], Iterator[str]]] = {
        "spam": lambda: _spam(corpus_dir, folds),
        "newsletter": lambda: _newsletter(corpus_dir),
        "calendar": lambda: _calendar(corpus_dir),
        "embeddings": _embeddings,
    }
    for part in parts:
        yield f"== {part}"
        yield from runners[part]()


def _spam(corpus_dir: Path, folds: int) -> Iterator[str]:
    from emails.analysis.spam import spam_evaluate, spam_heuristics_evaluate

    spam_dir = corpus_dir / "spam_ham"
    for strip in (False, True):
        metrics = spam_evaluate(corpus_dir=spam_dir, folds=folds, strip_list_headers=strip)
        yield metrics.line()
        yield f"  per-fold F1 {metrics.per_fold_f1}; {metrics.notes}; {metrics.extra}"
    yield spam_heuristics_evaluate(corpus_dir=spam_dir).line()


def _newsletter(corpus_dir: Path) -> Iterator[str]:
    from emails.analysis.evaluation import newsletter_evaluate

    yield from newsletter_evaluate(corpus_dir=corpus_dir).lines()


def _calendar(corpus_dir: Path) -> Iterator[str]:
    from emails.analysis.evaluation import calendar_evaluate

    yield from calendar_evaluate(corpus_dir=corpus_dir).lines()


def _embeddings() -> Iterator[str]:
    from emails.analysis.embeddings import DEFAULT_MODEL_ID, embeddings_compare

    yield "model | MRR | R@1 | R@3 | MRR by kind | load s | short texts/s | ~300-word texts/s | peak RSS MB"
    for r in embeddings_compare():
        default = " (default)" if r.model_id == DEFAULT_MODEL_ID else ""
        yield (
            f"{r.model_id}{default} | {r.mrr} | {r.recall_at_1} | {r.recall_at_3} | {r.mrr_by_kind} | "
            f"{r.load_seconds} | {r.short_texts_per_second} | {r.mail_texts_per_second} | {r.peak_rss_mb}"
        )
