"""Per-user daily budget for LLM providers, counted in Redis (Django's cache), reset at UTC midnight.

Limits come from settings (``AI_BUDGET_TOKENS_PER_DAY``, ``AI_BUDGET_REQUESTS_PER_DAY``; 0 or unset
means no limit) unless a call passes its own. A call that would go over either limit consumes
nothing and returns False: the caller falls back to the local analyzer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class BudgetLimits:
    tokens_per_day: int = 0  # 0: unlimited
    requests_per_day: int = 0

    @classmethod
    def from_settings(cls) -> BudgetLimits:
        return cls(
            tokens_per_day=int(getattr(settings, "AI_BUDGET_TOKENS_PER_DAY", 0) or 0),
            requests_per_day=int(getattr(settings, "AI_BUDGET_REQUESTS_PER_DAY", 0) or 0),
        )


def seconds_until_utc_midnight(now: datetime | None = None) -> int:
    now = now or datetime.now(UTC)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, int((midnight - now).total_seconds()))


def _key(*, user_id: int, provider: str, what: str, now: datetime) -> str:
    return f"ai-budget:{now.date().isoformat()}:{user_id}:{provider}:{what}"


def _consume(key: str, amount: int, limit: int, ttl: int) -> bool:
    """Add ``amount`` to the counter at ``key`` unless that would pass ``limit``; atomic in Redis."""
    if amount <= 0:
        return True
    cache.add(key, 0, timeout=ttl)  # creates the day's counter with its expiry; no-op if it exists
    try:
        total = cache.incr(key, amount)
    except ValueError:  # expired between add and incr (midnight): start the new day's counter
        cache.add(key, 0, timeout=ttl)
        total = cache.incr(key, amount)
    if limit and total > limit:
        cache.decr(key, amount)
        return False
    return True


def budget_try_consume(
    *,
    user_id: int,
    provider: str,
    tokens: int,
    limits: BudgetLimits | None = None,
    now: datetime | None = None,
) -> bool:
    """Count one request of ``tokens`` tokens for ``user_id`` at ``provider`` if today's budget allows it."""
    limits = limits or BudgetLimits.from_settings()
    now = now or datetime.now(UTC)
    ttl = seconds_until_utc_midnight(now)
    request_key = _key(user_id=user_id, provider=provider, what="requests", now=now)
    if not _consume(request_key, 1, limits.requests_per_day, ttl):
        return False
    if not _consume(
        _key(user_id=user_id, provider=provider, what="tokens", now=now), tokens, limits.tokens_per_day, ttl
    ):
        cache.decr(request_key, 1)
        return False
    return True


def budget_used(*, user_id: int, provider: str, now: datetime | None = None) -> tuple[int, int]:
    """(requests, tokens) counted today for ``user_id`` at ``provider``."""
    now = now or datetime.now(UTC)
    requests = cache.get(_key(user_id=user_id, provider=provider, what="requests", now=now)) or 0
    tokens = cache.get(_key(user_id=user_id, provider=provider, what="tokens", now=now)) or 0
    return int(requests), int(tokens)
