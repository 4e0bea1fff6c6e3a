"""The front door for every request: idle sessions end, and nothing but the login pages is reachable
without a logged-in, 2FA-verified session (htmx requests get 401 + HX-Redirect instead of a page); a login
brings the language saved in the profile to the browser."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import AuditKind, UserSession
from accounts.services.audit import audit_record
from accounts.services.sessions import user_session_is_idle, user_session_touch, user_session_track
from accounts.services.users import user_time_zone

# Views reachable without any session (login, setup, invites, password reset) or with a password-only
# session (the 2FA pages, logout) mark themselves with these attributes (see accounts.decorators).
PUBLIC_ATTRIBUTE = "accounts_public"
UNVERIFIED_ATTRIBUTE = "accounts_unverified_allowed"
# Paths of other apps that must stay public: the language switch (it only sets a cookie).
PUBLIC_PATH_PREFIXES = ("/i18n/",)
# Set on the request by the login signal: the profile language the response has to carry as a cookie.
LOGIN_LANGUAGE_ATTRIBUTE = "accounts_login_language"


def language_cookie_set(*, response: HttpResponse, request: HttpRequest, language: str) -> None:
    """The cookie Django's LocaleMiddleware reads (Django keeps no language in the session any more)."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE or request.is_secure(),
        httponly=True,
        samesite="Lax",
    )


def language_from_login_remember(*, request: HttpRequest, language: str) -> None:
    """Switch this request to ``language`` and have its response set the cookie (unknown codes are ignored)."""
    if language not in dict(settings.LANGUAGES):
        return
    translation.activate(language)
    request.LANGUAGE_CODE = language
    setattr(request, LOGIN_LANGUAGE_ATTRIBUTE, language)


class LoginLanguageMiddleware:
    """Puts the language a login chose (see accounts.signals) into the cookie, so the next pages keep it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        language = getattr(request, LOGIN_LANGUAGE_ATTRIBUTE, None)
        if language:
            language_cookie_set(response=response, request=request, language=language)
        return response


class SessionActivityMiddleware:
    """Tracks each logged-in session in our per-user table and logs it out after the idle timeout."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and request.session.session_key:
            tracked = UserSession.objects.filter(session_key=request.session.session_key).first()
            if tracked is None or tracked.user_id != user.pk:
                user_session_track(request=request, user=user)
            elif user_session_is_idle(tracked=tracked):
                audit_record(kind=AuditKind.SESSION_EXPIRED, request=request, user=user)
                logout(request)  # flushes the session; the signal handler forgets the row
            else:
                user_session_touch(tracked=tracked, request=request)
        return self.get_response(request)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    if _is_htmx(request):
        response = HttpResponse(status=401)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


class VerifiedSessionRequiredMiddleware:
    """Every view needs a logged-in session that passed the second factor, unless it is marked public."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if getattr(view_func, PUBLIC_ATTRIBUTE, False) or request.path.startswith(PUBLIC_PATH_PREFIXES):
            return None
        if request.path.startswith(settings.STATIC_URL):
            return None
        user = request.user
        if not user.is_authenticated:
            login_url = reverse(settings.LOGIN_URL)
            if not _is_htmx(request) and request.method == "GET":
                login_url += "?" + urlencode({"next": request.get_full_path()})
            return _redirect(request, login_url)
        if getattr(view_func, UNVERIFIED_ATTRIBUTE, False):
            return None
        if not getattr(user, "is_verified", lambda: False)():
            return _redirect(request, reverse("accounts:otp_verify"))
        return None


class UserTimeZoneMiddleware:
    """Dates and times, "today" and the day boundaries of the charts follow the time zone in the user's
    profile (Django would otherwise use the server's TIME_ZONE for everyone)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        name = getattr(user, "time_zone", "") if user is not None and user.is_authenticated else ""
        zone = user_time_zone(name)
        if zone is None:
            timezone.deactivate()
        else:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
