"""Whether a message may load remote images, and the owner's allowances (per message, per sender)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from emails.models import Message
from emails.models.remote_images import RemoteImageAllowance


def remote_images_allowed(*, user: Any, message: Message) -> bool:
    """True if ``user`` allowed remote images for this message or for its sender."""
    if message.owner_id != user.pk:
        return False
    sender = (message.from_address or "").strip().lower()
    query = Q(logical_id=message.logical_id)
    if sender:
        query |= Q(logical__isnull=True, sender_address=sender)
    return RemoteImageAllowance.objects.filter(query, owner=user).exists()


def remote_images_allow(*, user: Any, message: Message, for_sender: bool) -> RemoteImageAllowance:
    """Allow remote images for this message, or (``for_sender``) for every mail from its sender.

    ``message`` must already be the user's (views fetch it through an owner-scoped selector); anything
    else raises ``Message.DoesNotExist``.
    """
    if message.owner_id != user.pk:
        raise Message.DoesNotExist
    sender = (message.from_address or "").strip().lower()
    if for_sender and not sender:
        for_sender = False
    lookup: dict[str, Any] = (
        {"sender_address": sender, "logical": None} if for_sender else {"logical_id": message.logical_id}
    )
    try:
        with transaction.atomic():
            allowance, _ = RemoteImageAllowance.objects.get_or_create(owner=user, **lookup)
    except IntegrityError:  # a concurrent click created it
        allowance = RemoteImageAllowance.objects.get(owner=user, **lookup)
    return allowance


def remote_image_allowances_for_user(*, user: Any) -> QuerySet[RemoteImageAllowance]:
    """The user's per-sender allowances (for the settings page), by address."""
    return RemoteImageAllowance.objects.filter(owner=user, logical__isnull=True).order_by("sender_address")


def remote_image_allowance_delete(*, user: Any, allowance_id: int) -> None:
    """Withdraw an allowance; someone else's id raises ``RemoteImageAllowance.DoesNotExist``."""
    RemoteImageAllowance.objects.get(owner=user, pk=allowance_id).delete()
