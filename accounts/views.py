"""Login, second factor, sessions, password, first-run setup and invites: parse, call a service, render."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import i18n as i18n_views
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_ratelimit.decorators import ratelimit

from accounts.decorators import password_only, public
from accounts.forms import (
    EnrolForm,
    InviteForm,
    LoginForm,
    NewUserForm,
    OtpTokenForm,
    PasswordResetInUserLanguageForm,
    SetupForm,
)
from accounts.models import AuditKind, User, UserSession
from accounts.selectors import invites_for_user, sessions_for_user, user_sessions_live
from accounts.services.audit import audit_record
from accounts.services.invites import (
    InviteInvalid,
    invite_accept,
    invite_create,
    invite_usable_lookup,
    user_can_invite,
)
from accounts.services.lockout import auth_failure_record, auth_failures_clear, lockout_until
from accounts.services.otp import (
    otp_token_verify,
    recovery_codes_regenerate,
    recovery_codes_remaining,
    totp_enrolment_confirm,
    totp_enrolment_start,
    user_has_totp,
)
from accounts.services.sessions import session_revoke, sessions_revoke_all
from accounts.services.setup import SetupUnavailable, first_admin_create, setup_is_open, setup_token_is_valid
from accounts.services.users import password_change, user_language_set
from mailhelper.net import client_ip
from mailhelper.typing import UserRequest


def session_is_verified(user: Any) -> bool:
    """Whether django-otp's middleware marked this user's session as having passed the second factor."""
    return bool(getattr(user, "is_verified", lambda: False)())


NEXT_SESSION_KEY = "accounts_next"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _ip_key(group: str, request: HttpRequest) -> str:
    return client_ip(request)


def _rate(setting: str) -> Any:
    return lambda group, request: getattr(settings, setting)


def _safe_next(request: HttpRequest, candidate: str | None) -> str | None:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


def _after_login_url(request: HttpRequest) -> str:
    return _safe_next(request, request.session.pop(NEXT_SESSION_KEY, None)) or reverse(
        settings.LOGIN_REDIRECT_URL
    )


def _locked_response(request: HttpRequest, until: datetime) -> HttpResponse:
    return render(request, "accounts/locked.html", {"until": until}, status=403)


# --- Login and logout ----------------------------------------------------------------------------------


@public
@sensitive_post_parameters("password")
@never_cache
@ratelimit(group="login", key=_ip_key, rate=_rate("RATELIMIT_LOGIN"), method="POST", block=True)
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and session_is_verified(request.user):
        return redirect(_safe_next(request, request.GET.get("next")) or reverse(settings.LOGIN_REDIRECT_URL))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username, ip = form.cleaned_data["username"], client_ip(request)
        until = lockout_until(username=username, ip=ip)
        if until is not None:
            return _locked_response(request, until)
        # authenticate() runs the password hasher for unknown names too, so both take the same time.
        user = authenticate(request, username=username, password=form.cleaned_data["password"])
        if user is None:
            known = User.objects.filter(username=username).first()
            audit_record(
                kind=AuditKind.LOGIN_FAILED,
                request=request,
                user=known,
                username=username,
                detail={"step": "password"},
            )
            until = auth_failure_record(username=username, ip=ip, request=request, user=known)
            if until is not None:
                return _locked_response(request, until)
            form.add_error(None, _("Wrong user name or password."))
        else:
            auth_failures_clear(username=username)
            login(request, user)
            next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
            if next_url:
                request.session[NEXT_SESSION_KEY] = next_url
            return redirect("accounts:otp_verify")
    return render(request, "accounts/login.html", {"form": form, "next": request.GET.get("next", "")})


@public
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


# --- Second factor -------------------------------------------------------------------------------------


@password_only
@sensitive_post_parameters("token")
@never_cache
@ratelimit(group="otp", key=_ip_key, rate=_rate("RATELIMIT_OTP"), method="POST", block=True)
def otp_verify(request: UserRequest) -> HttpResponse:
    user = request.user
    if session_is_verified(user):
        return redirect(_after_login_url(request))
    if not user_has_totp(user=user):
        return redirect("accounts:otp_setup")
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ip = client_ip(request)
        until = lockout_until(username=user.get_username(), ip=ip)
        if until is not None:
            logout(request)
            return _locked_response(request, until)
        device = otp_token_verify(user=user, token=form.cleaned_data["token"], request=request)
        if device is not None:
            otp_login(request, device)
            auth_failures_clear(username=user.get_username())
            audit_record(
                kind=AuditKind.LOGIN_SUCCEEDED,
                request=request,
                user=user,
                detail={"method": device.__class__.__name__},
            )
            return redirect(_after_login_url(request))
        audit_record(kind=AuditKind.OTP_FAILED, request=request, user=user)
        until = auth_failure_record(username=user.get_username(), ip=ip, request=request, user=user)
        if until is not None:
            logout(request)
            return _locked_response(request, until)
        form.add_error("token", _("This code is not valid. Try the current code from your app."))
    return render(request, "accounts/otp_verify.html", {"form": form})


@password_only
@sensitive_post_parameters("token")
@never_cache
@ratelimit(group="otp", key=_ip_key, rate=_rate("RATELIMIT_OTP"), method="POST", block=True)
def otp_setup(request: UserRequest) -> HttpResponse:
    """Enrolment; only for users without a confirmed device (a password alone must not add a device)."""
    user = request.user
    if user_has_totp(user=user):
        return redirect("accounts:otp_verify")
    enrolment = totp_enrolment_start(user=user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = totp_enrolment_confirm(
            user=user, device=enrolment.device, token=form.cleaned_data["token"], request=request
        )
        if codes is not None:
            enrolment.device.refresh_from_db()
            otp_login(request, enrolment.device)
            audit_record(
                kind=AuditKind.LOGIN_SUCCEEDED, request=request, user=user, detail={"method": "enrolment"}
            )
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "continue_url": _after_login_url(request), "first_time": True},
            )
        form.add_error(
            "token", _("This code is not valid. Check the time on your phone and try the current code.")
        )
    return render(request, "accounts/otp_setup.html", {"form": form, "enrolment": enrolment})


@never_cache
def security(request: UserRequest) -> HttpResponse:
    return render(
        request, "accounts/security.html", {"recovery_remaining": recovery_codes_remaining(user=request.user)}
    )


@require_POST
@never_cache
def recovery_codes_new(request: UserRequest) -> HttpResponse:
    codes = recovery_codes_regenerate(user=request.user, request=request)
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "continue_url": reverse("accounts:security"), "first_time": False},
    )


# --- Sessions --------------------------------------------------------------------------------------------


@never_cache
def sessions(request: UserRequest) -> HttpResponse:
    rows = sessions_for_user(user=request.user, current_session_key=request.session.session_key)
    return render(request, "accounts/sessions.html", {"sessions": rows})


@require_POST
def session_revoke_view(request: UserRequest, session_id: int) -> HttpResponse:
    tracked = get_object_or_404(user_sessions_live(user=request.user).select_related("user"), pk=session_id)
    is_current = tracked.session_key == request.session.session_key
    session_revoke(tracked=tracked, actor=request.user, request=request)
    if is_current:
        logout(request)
        return redirect(settings.LOGOUT_REDIRECT_URL)
    messages.success(request, _("The session was ended."))
    return redirect("accounts:sessions")


@require_POST
def sessions_revoke_all_view(request: UserRequest) -> HttpResponse:
    sessions_revoke_all(user=request.user, actor=request.user, request=request, reason="logout everywhere")
    logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


# --- Passwords ------------------------------------------------------------------------------------------


@sensitive_post_parameters()
@never_cache
def password_change_view(request: UserRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        old_key = request.session.session_key
        ended = password_change(
            user=request.user,
            new_password=form.cleaned_data["new_password1"],
            keep_session_key=old_key,
            request=request,
        )
        update_session_auth_hash(request, request.user)  # keeps this session, under a new key
        UserSession.objects.filter(session_key=old_key).update(session_key=request.session.session_key)
        messages.success(
            request,
            ngettext(
                "Your password was changed. %(count)d other session was ended.",
                "Your password was changed. %(count)d other sessions were ended.",
                ended,
            )
            % {"count": ended},
        )
        return redirect("accounts:security")
    return render(request, "accounts/password_change.html", {"form": form})


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetInUserLanguageForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form: Any) -> HttpResponse:
        email = form.cleaned_data["email"]
        audit_record(
            kind=AuditKind.PASSWORD_RESET_REQUESTED,
            request=self.request,
            user=User.objects.filter(email__iexact=email, is_active=True).first(),
            detail={"email": email},
        )
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Sets the new password and ends every session; it never logs in: the second factor still applies."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    post_reset_login = False

    def form_valid(self, form: Any) -> HttpResponse:
        password_change(
            user=form.user,
            new_password=form.cleaned_data["new_password1"],
            request=self.request,
            reason="password reset",
        )
        self.request.session.pop(auth_views.INTERNAL_RESET_SESSION_TOKEN, None)
        return HttpResponseRedirect(self.get_success_url())


_reset_limit = method_decorator(
    ratelimit(
        group="password_reset", key=_ip_key, rate=_rate("RATELIMIT_PASSWORD_RESET"), method="POST", block=True
    ),
    name="dispatch",
)
password_reset = public(_reset_limit(PasswordResetView).as_view())
password_reset_done = public(
    auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
)
password_reset_confirm = public(_reset_limit(PasswordResetConfirmView).as_view())
password_reset_complete = public(
    auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html")
)


# --- First run and invites ---------------------------------------------------------------------------------


@public
@sensitive_post_parameters("password1", "password2", "token")
@never_cache
@ratelimit(group="invite", key=_ip_key, rate=_rate("RATELIMIT_INVITE"), method=ratelimit.ALL, block=True)
def setup(request: HttpRequest) -> HttpResponse:
    """The first administrator; gone (404) once any user exists, refused (403) without the console token."""
    if not setup_is_open():
        raise Http404
    token = request.POST.get("token") or request.GET.get("token", "")
    if not setup_token_is_valid(token=token):
        return render(request, "accounts/setup_token_required.html", status=403)
    form = SetupForm(request.POST or None, initial={"token": token})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = first_admin_create(
                token=data["token"],
                username=data["username"],
                email=data["email"],
                password=data["password1"],
                request=request,
            )
        except SetupUnavailable:
            raise Http404 from None
        except ValidationError as error:
            form.add_error("password1", error)
        else:
            # The language the form was filled in becomes the profile's, which every later login applies.
            user_language_set(user=user, language=translation.get_language() or "")
            login(request, user, backend=MODEL_BACKEND)
            return redirect("accounts:otp_setup")
    return render(request, "accounts/setup.html", {"form": form})


@public
@sensitive_post_parameters("password1", "password2")
@never_cache
@ratelimit(group="invite", key=_ip_key, rate=_rate("RATELIMIT_INVITE"), method=ratelimit.ALL, block=True)
def invite_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    invite = invite_usable_lookup(token=token)
    if invite is None:
        return render(request, "accounts/invite_invalid.html", status=404)
    form = NewUserForm(request.POST or None, initial={"email": invite.email})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = invite_accept(
                token=token,
                username=data["username"],
                email=data["email"],
                password=data["password1"],
                request=request,
            )
        except InviteInvalid:
            return render(request, "accounts/invite_invalid.html", status=404)
        except ValidationError as error:
            form.add_error("password1", error)
        else:
            user_language_set(user=user, language=translation.get_language() or "")
            if request.user.is_authenticated:
                logout(request)
            login(request, user, backend=MODEL_BACKEND)
            return redirect("accounts:otp_setup")
    return render(request, "accounts/invite_accept.html", {"form": form, "invite": invite})


@never_cache
def invites(request: UserRequest) -> HttpResponse:
    if not user_can_invite(user=request.user):
        raise PermissionDenied
    form = InviteForm(request.POST or None)
    link = None
    if request.method == "POST" and form.is_valid():
        link = invite_create(
            created_by=request.user,
            email=form.cleaned_data["email"],
            note=form.cleaned_data["note"],
            request=request,
        )
        form = InviteForm()
    return render(
        request,
        "accounts/invites.html",
        {"form": form, "link": link, "invites": invites_for_user(user=request.user)},
    )


@public
def language_switch(request: HttpRequest) -> HttpResponse:
    """Django's language switch; a verified user's choice is also saved in the profile, so the next login
    (in any browser) keeps it instead of going back to the language saved earlier."""
    response = i18n_views.set_language(request)
    language = request.POST.get(i18n_views.LANGUAGE_QUERY_PARAMETER, "")
    if request.method == "POST" and response.status_code in (200, 302) and session_is_verified(request.user):
        user_language_set(user=request.user, language=language)  # type: ignore[arg-type]
    return response
