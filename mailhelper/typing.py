"""Static types shared across apps: the request our views actually receive, and the cache's Redis lock.

Nothing here changes behaviour: the classes only tell mypy what the middleware stack already guarantees.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, cast

from django.core.cache.backends.base import BaseCache
from django.http import HttpRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails
    from redis.lock import Lock

    from accounts.models import User


class UserRequest(HttpRequest):
    """A request past VerifiedSessionRequiredMiddleware: every non-public view has a logged-in user."""

    user: User


class HtmxUserRequest(UserRequest):
    """A logged-in request that also went through django_htmx's HtmxMiddleware (``request.htmx``)."""

    htmx: HtmxDetails


class LockingCache(Protocol):
    """The part of django-redis's RedisCache we use; django-redis ships no type information."""

    def lock(self, key: str, *, timeout: float | None = None) -> Lock: ...


def locking_cache(cache: BaseCache) -> LockingCache:
    """The configured cache (django-redis in every settings module) seen as one that can hand out Redis locks."""
    return cast(LockingCache, cache)
