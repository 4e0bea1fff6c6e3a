"""Live events to one user's browser tabs, over the Channels layer (a private group per user)."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def user_group_name(user_id: int) -> str:
    return f"user-{int(user_id)}"


def user_event_send(*, user_id: int, event: str, data: dict[str, Any] | None = None) -> None:
    """Send ``event`` to every open connection of ``user_id`` and of nobody else."""
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(
        user_group_name(user_id), {"type": "user.event", "event": event, "data": data or {}}
    )
