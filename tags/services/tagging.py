"""Tag services. Every function is owner-checked: another user's message or tag is ``DoesNotExist``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from emails.models import LogicalMessage
from tags.models import DEFAULT_COLOUR, TAG_NAME_MAX, MessageTag, Tag, colour_validator


class TagError(ValueError):
    """The tag cannot be created or changed (the message is shown to the user)."""


def _name_clean(name: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise TagError(_("A tag needs a name."))
    if len(cleaned) > TAG_NAME_MAX:
        raise TagError(_("A tag name has at most %(max)d characters.") % {"max": TAG_NAME_MAX})
    return cleaned


def _colour_clean(colour: str | None) -> str:
    colour = (colour or DEFAULT_COLOUR).strip()
    try:
        colour_validator(colour)
    except ValidationError as exc:
        raise TagError(_("Use a colour like #3366cc.")) from exc
    return colour.lower()


def _tag_get_or_create(*, user: Any, name: str, colour: str | None = None) -> Tag:
    name = _name_clean(name)
    existing = Tag.objects.filter(owner=user, name__iexact=name).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Tag.objects.create(owner=user, name=name, colour=_colour_clean(colour))
    except IntegrityError:  # created concurrently
        return Tag.objects.get(owner=user, name__iexact=name)


def tag_create(*, user: Any, name: str, colour: str | None = None) -> Tag:
    """A new tag; TagError if the user already has one of that name (ignoring case)."""
    name = _name_clean(name)
    if Tag.objects.filter(owner=user, name__iexact=name).exists():
        raise TagError(_("You already have a tag called “%(name)s”.") % {"name": name})
    return _tag_get_or_create(user=user, name=name, colour=colour)


def tag_update(*, user: Any, tag_id: int, name: str, colour: str) -> Tag:
    """Rename or recolour one of the user's tags."""
    with transaction.atomic():
        tag = Tag.objects.select_for_update().get(owner=user, pk=tag_id)
        name = _name_clean(name)
        if Tag.objects.filter(owner=user, name__iexact=name).exclude(pk=tag.pk).exists():
            raise TagError(_("You already have a tag called “%(name)s”.") % {"name": name})
        tag.name = name
        tag.colour = _colour_clean(colour)
        tag.save(update_fields=["name", "colour"])
    return tag


def tag_delete(*, user: Any, tag_id: int) -> None:
    """Delete one of the user's tags (and its taggings)."""
    Tag.objects.get(owner=user, pk=tag_id).delete()


def tag_add(*, user: Any, logical_id: int, name: str) -> Tag:
    """Put the tag called ``name`` on a message of the user's, creating the tag if needed (idempotent)."""
    logical = LogicalMessage.objects.get(owner=user, pk=logical_id)
    tag = _tag_get_or_create(user=user, name=name)
    MessageTag.objects.get_or_create(owner=user, tag=tag, logical=logical)
    return tag


def tag_remove(*, user: Any, logical_id: int, tag_id: int) -> None:
    """Take one of the user's tags off one of the user's messages (idempotent)."""
    logical = LogicalMessage.objects.get(owner=user, pk=logical_id)
    tag = Tag.objects.get(owner=user, pk=tag_id)
    MessageTag.objects.filter(owner=user, tag=tag, logical=logical).delete()


def tags_add_bulk(*, user: Any, logical_ids: Iterable[int], name: str) -> int:
    """Put one tag on many of the user's messages; ids that are not the user's are ignored. Returns the count."""
    tag = _tag_get_or_create(user=user, name=name)
    owned = list(
        LogicalMessage.objects.filter(owner=user, pk__in=list(logical_ids)).values_list("pk", flat=True)
    )
    MessageTag.objects.bulk_create(
        [MessageTag(owner=user, tag=tag, logical_id=pk) for pk in owned], ignore_conflicts=True
    )
    return len(owned)
