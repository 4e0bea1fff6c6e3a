"""Per-user cache of the dashboard's aggregates (matrix, totals, charts).

Counting a 100,000-message mailbox on every dashboard render costs more than the page budget, so the
results are cached per user under a generation number. Every write that can change them bumps the
generation: Triage saves (analysis, corrections, done — a signal), stored batches and finished syncs
(new mail, flags, expunges), and user actions. A TTL bounds staleness should a write path be missed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

T = TypeVar("T")
TTL_SECONDS = 300


def _generation_key(user_id: int) -> str:
    return f"dash:gen:{int(user_id)}"


def _generation_bump(user_id: int) -> None:
    key = _generation_key(user_id)
    try:
        cache.incr(key)
    except ValueError:  # no generation yet: any new value differs from what cached entries used
        cache.set(key, 1, timeout=None)


def dashboard_invalidate(*, user_id: int) -> None:
    """Forget every cached aggregate of this user (cheap: one INCR).

    Inside a transaction it bumps now and again after the commit: a page rendered between the two would
    otherwise cache the not-yet-committed state's predecessor until the TTL.
    """
    _generation_bump(user_id)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _generation_bump(user_id))


def dashboard_cached(*, user_id: int, name: str, parts: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """``compute()`` once per generation, day and ``parts`` (e.g. the account filter)."""
    generation = cache.get_or_set(_generation_key(user_id), 0, timeout=None)
    day = timezone.localdate().isoformat()  # "today" and the 30-day charts move at midnight
    key = f"dash:{int(user_id)}:{generation}:{day}:{name}:" + ":".join(str(p) for p in parts)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=TTL_SECONDS)
    return value
