"""Owner-scoped reads of tags."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from tags.models import MessageTag, Tag


def tags_for_user(*, user: Any) -> QuerySet[Tag]:
    """The user's tags by name, each with ``message_count``."""
    return Tag.objects.filter(owner=user).annotate(message_count=Count("message_tags")).order_by("name")


def tags_for_message(*, user: Any, logical_id: int) -> QuerySet[Tag]:
    """The user's tags on one logical message (empty for anyone else's message)."""
    return Tag.objects.filter(owner=user, message_tags__logical_id=logical_id).order_by("name")


def message_tags_for_user(*, user: Any, tag_id: int | None = None) -> QuerySet[MessageTag]:
    """Taggings of the user's messages, optionally of one tag (for list filters)."""
    qs = MessageTag.objects.filter(owner=user)
    return qs if tag_id is None else qs.filter(tag_id=tag_id)
