"""The per-user websocket: joins only its own user's group and relays events to the browser."""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from mailhelper.events import user_group_name


class UserEventsConsumer(AsyncJsonWebsocketConsumer):
    group_name: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not self.scope.get("otp_verified", False):
            # Accept only to say why: a close code the page understands stops it from reconnecting,
            # whereas a refused handshake looks like a network error. No group is joined.
            await self.accept()
            await self.close(code=4401)
            return
        self.group_name = user_group_name(user.pk)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group_name:
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"event": "pong", "data": {}})

    async def user_event(self, message: dict[str, Any]) -> None:
        await self.send_json({"event": message["event"], "data": message.get("data", {})})
