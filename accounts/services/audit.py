"""The audit log: one row per security event, never a secret in it."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest

from accounts.models import AuditEvent, AuditKind, User
from mailhelper.net import client_ip

logger = logging.getLogger(__name__)


def request_user_agent(request: HttpRequest | None) -> str:
    return (request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:400]


def audit_record(
    *,
    kind: AuditKind,
    request: HttpRequest | None = None,
    user: User | None = None,
    username: str = "",
    actor: User | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one security event; ``username`` defaults to the user's (an unknown name is kept as typed)."""
    event = AuditEvent.objects.create(
        kind=kind,
        user=user,
        username=(username or (user.get_username() if user is not None else ""))[:150],
        actor=actor,
        ip=client_ip(request) if request is not None else None,
        user_agent=request_user_agent(request),
        detail=detail or {},
    )
    logger.info("audit kind=%s user=%s actor=%s", kind, user.pk if user else "-", actor.pk if actor else "-")
    return event
