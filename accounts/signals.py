"""Session bookkeeping and the profile language on Django's login/logout signals (no business logic beyond
calling services)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.middleware import language_from_login_remember
from accounts.models import AuditKind, UserSession
from accounts.services.audit import audit_record
from accounts.services.sessions import user_session_track


@receiver(user_logged_in, dispatch_uid="accounts_track_session")
def _session_track_on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        user_session_track(request=request, user=user)


@receiver(user_logged_in, dispatch_uid="accounts_profile_language")
def _language_apply_on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    # A new browser knows nothing of the language saved in the profile; without this it would fall back to
    # Accept-Language until the profile is saved again.
    if request is not None:
        language_from_login_remember(request=request, language=getattr(user, "language", ""))


@receiver(user_logged_out, dispatch_uid="accounts_forget_session")
def _session_forget_on_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    key = request.session.session_key
    if key and UserSession.objects.filter(session_key=key).delete()[0] and user is not None:
        audit_record(kind=AuditKind.LOGOUT, request=request, user=user)
