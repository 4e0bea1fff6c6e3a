"""Live events to one user's browser tabs, over the Channels layer (a private group per user)."""

from __future__ import annotations

import asyncio
import threading
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
    message = {"type": "user.event", "event": event, "data": data or {}}
    send = async_to_sync(layer.group_send)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        send(user_group_name(user_id), message)
        return
    # Called from a thread that runs an event loop (an async view, a test driving a browser): async_to_sync
    # refuses to block that loop, so the send runs on a short-lived thread of its own.
    sender = threading.Thread(target=send, args=(user_group_name(user_id), message), daemon=True)
    sender.start()
    sender.join(timeout=10)
