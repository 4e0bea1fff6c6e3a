"""Websocket authentication: the Django session, plus proof that it passed the second factor."""

from __future__ import annotations

from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device


@database_sync_to_async
def _session_is_verified(scope: dict[str, Any]) -> bool:
    user = scope.get("user")
    session = scope.get("session")
    if user is None or not user.is_authenticated or session is None:
        return False
    persistent_id = session.get(DEVICE_ID_SESSION_KEY)
    if not persistent_id:
        return False
    device = Device.from_persistent_id(persistent_id)
    return device is not None and device.user_id == user.pk and device.confirmed


class _OtpScopeMiddleware:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        scope = dict(scope)
        scope["otp_verified"] = await _session_is_verified(scope)
        return await self.inner(scope, receive, send)


def VerifiedSessionAuthMiddleware(inner: Any) -> Any:  # noqa: N802 - mirrors channels' stack factories
    """Session + user (channels) and ``scope["otp_verified"]`` for consumers to require."""
    return AuthMiddlewareStack(_OtpScopeMiddleware(inner))
