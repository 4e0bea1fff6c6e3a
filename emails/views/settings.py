"""The settings page: mail accounts, AI provider, VIP/trusted senders, profile, security, privacy log.

One URL per section (``/mail/settings/<section>/``); every object is fetched owner-scoped, so another
user's sender rule or privacy-log row is a 404.
"""

from __future__ import annotations

import fnmatch
import re
import zoneinfo
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.conf import settings as django_settings
from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.middleware import language_cookie_set
from emails.display_texts import provider_error_text
from emails.models import AIProvider, AIProviderSettings, CloudRequestLog, SenderRule, SenderRuleKind
from emails.pipeline.ai_settings import ai_settings_save, ai_settings_test
from emails.pipeline.selectors import provider_status_for_user
from emails.services.dashboard_cache import dashboard_invalidate
from emails.services.remote_images import remote_image_allowance_delete, remote_image_allowances_for_user
from mailhelper.typing import UserRequest

SECTIONS = (
    ("accounts", gettext_lazy("Mail accounts")),
    ("ai", gettext_lazy("AI provider")),
    ("senders", gettext_lazy("VIP and trusted senders")),
    ("profile", gettext_lazy("Profile")),
    ("security", gettext_lazy("Security")),
    ("privacy", gettext_lazy("Privacy log")),
)
PRIVACY_PAGE_SIZE = 25
_PATTERN = re.compile(r"^[a-z0-9@._+\-*?]+$")


def time_zones() -> list[str]:
    return sorted(zoneinfo.available_timezones())


class AIProviderForm(forms.Form):
    provider = forms.ChoiceField(label=gettext_lazy("Provider"), choices=AIProvider.choices)
    model = forms.CharField(label=gettext_lazy("Model"), max_length=200, required=False)
    endpoint = forms.URLField(
        label=gettext_lazy("Endpoint"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=gettext_lazy("Base URL of the server; empty for the provider's default."),
    )
    api_key = forms.CharField(
        label=gettext_lazy("API key"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy(
            "Stored encrypted and never shown again. Leave empty to keep the current key."
        ),
    )
    api_key_clear = forms.BooleanField(label=gettext_lazy("Remove the stored key"), required=False)
    daily_token_budget = forms.IntegerField(
        label=gettext_lazy("Daily token budget"), min_value=0, required=False
    )
    daily_request_budget = forms.IntegerField(
        label=gettext_lazy("Daily request budget"), min_value=0, required=False
    )
    backfill_cloud_days = forms.IntegerField(
        label=gettext_lazy("Backfill days for cloud analysis"),
        min_value=0,
        max_value=3650,
        help_text=gettext_lazy("Older mail gets the local analyzer during a backfill."),
    )

    def clean_endpoint(self) -> str:
        endpoint = self.cleaned_data.get("endpoint") or ""
        if not endpoint:
            return ""
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise forms.ValidationError(_("Use an http or https URL."))
        if parts.username or parts.password:
            raise forms.ValidationError(_("Put credentials in the API key field, not in the URL."))
        from mailhelper.netguard import address_resolve_checked

        try:
            address_resolve_checked(
                host=parts.hostname, port=parts.port or (443 if parts.scheme == "https" else 80)
            )
        except Exception as exc:  # HostNotFound, AddressNotAllowed: both carry a message for people
            raise forms.ValidationError(str(exc)) from exc
        return endpoint


class SenderRuleForm(forms.Form):
    pattern = forms.CharField(
        label=gettext_lazy("Address or pattern"),
        max_length=320,
        help_text=gettext_lazy("An address, or a pattern with * and ? such as *@example.com."),
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=SenderRuleKind.choices)

    def clean_pattern(self) -> str:
        pattern = self.cleaned_data["pattern"].strip().lower()
        if not _PATTERN.match(pattern) or "@" not in pattern:
            raise forms.ValidationError(
                _("Use an address like boss@example.com or a pattern like *@example.com.")
            )
        if not pattern.replace("*", "").replace("?", "").replace("@", "").replace(".", ""):
            raise forms.ValidationError(_("A pattern must name at least part of an address."))
        fnmatch.translate(pattern)
        return pattern


class ProfileForm(forms.Form):
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=django_settings.LANGUAGES)
    time_zone = forms.CharField(label=gettext_lazy("Time zone"), max_length=64)

    def clean_time_zone(self) -> str:
        name = self.cleaned_data["time_zone"].strip()
        if name not in zoneinfo.available_timezones():
            raise forms.ValidationError(_("Unknown time zone. Use a name like Europe/Berlin."))
        return name


def _ai_settings(user: Any) -> AIProviderSettings:
    existing = AIProviderSettings.objects.filter(owner=user).first()
    return existing if existing is not None else AIProviderSettings(owner=user)


def _ai_form_initial(ai: AIProviderSettings) -> dict[str, Any]:
    return {
        "provider": ai.provider,
        "model": ai.model,
        "endpoint": ai.endpoint,
        "daily_token_budget": ai.daily_token_budget,
        "daily_request_budget": ai.daily_request_budget,
        "backfill_cloud_days": ai.backfill_cloud_days,
    }


def _render(request: UserRequest, section: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    response = render(
        request,
        f"emails/settings_{section}.html",
        {"sections": SECTIONS, "section": section, **context},
    )
    response.status_code = status
    return response


@require_http_methods(["GET", "POST"])
def settings_page(request: UserRequest, section: str = "accounts") -> HttpResponse:
    handlers = {
        "accounts": _section_accounts,
        "ai": _section_ai,
        "senders": _section_senders,
        "profile": _section_profile,
        "security": _section_security,
        "privacy": _section_privacy,
    }
    handler = handlers.get(section)
    if handler is None:
        raise Http404
    if request.method == "POST" and section in ("accounts", "security", "privacy"):
        return HttpResponse(status=405)
    return handler(request)


def _section_accounts(request: UserRequest) -> HttpResponse:
    from accounts.models.mail_account import MailAccount

    accounts = MailAccount.objects.filter(owner=request.user).order_by("name")
    return _render(request, "accounts", {"accounts": accounts})


def _section_ai(request: UserRequest) -> HttpResponse:
    ai = _ai_settings(request.user)
    if request.method == "POST":
        form = AIProviderForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            ai.provider = data["provider"]
            ai.model = data["model"]
            ai.endpoint = data["endpoint"]
            ai.daily_token_budget = data["daily_token_budget"]
            ai.daily_request_budget = data["daily_request_budget"]
            ai.backfill_cloud_days = data["backfill_cloud_days"]
            api_key = "" if data["api_key_clear"] else (data["api_key"].strip() or None)
            try:
                ai_settings_save(settings=ai, api_key=api_key)
            except ValidationError as exc:
                form.add_error(None, " ".join(exc.messages))
                return _render(request, "ai", {"form": form, "ai": ai}, status=422)
            flash.success(request, _("AI provider settings saved."))
            return redirect("emails:settings_section", section="ai")
        return _render(request, "ai", {"form": form, "ai": ai}, status=422)
    return _render(
        request,
        "ai",
        {
            "form": AIProviderForm(initial=_ai_form_initial(ai)),
            "ai": ai,
            "provider_status": provider_status_for_user(user=request.user),
        },
    )


@require_POST
def ai_settings_test_view(request: UserRequest) -> HttpResponse:
    """Test the settings in the posted form (unsaved, so they can be tried before saving), else the saved ones,
    else the default provider; answers with a short status fragment (htmx)."""
    ai = _ai_settings(request.user)
    if "provider" in request.POST:
        form = AIProviderForm(request.POST)
        if not form.is_valid():
            text = " ".join(str(message) for messages in form.errors.values() for message in messages)
            return render(request, "emails/settings_ai_test.html", {"ok": False, "text": text}, status=422)
        data = form.cleaned_data
        ai.provider, ai.model, ai.endpoint = data["provider"], data["model"], data["endpoint"]
        # As when saving: an empty key field keeps the stored key. ``ai`` is only tested here, never saved.
        if data["api_key_clear"]:
            ai.api_key_set("")
        elif data["api_key"].strip():
            ai.api_key_set(data["api_key"].strip())
    ok, text = False, ""
    try:
        result = ai_settings_test(settings=ai)
    except Exception as exc:  # providers raise typed errors; their text stays as the provider wrote it
        text = _("The test failed: %(error)s") % {
            "error": provider_error_text(str(exc)) or exc.__class__.__name__
        }
    else:
        ok = result.ok
        # The provider's own words stay as they came; our words around them follow the reader's language.
        text = provider_error_text(result.message) or (
            _("Connection works.") if ok else _("The test failed.")
        )
    return render(request, "emails/settings_ai_test.html", {"ok": ok, "text": text})


def _section_senders(request: UserRequest) -> HttpResponse:
    form = SenderRuleForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                with transaction.atomic():
                    SenderRule.objects.create(
                        owner=request.user,
                        pattern=form.cleaned_data["pattern"],
                        kind=form.cleaned_data["kind"],
                    )
            except IntegrityError:
                form.add_error("pattern", _("You already have this rule."))
            else:
                flash.success(request, _("Sender rule added."))
                return redirect("emails:settings_section", section="senders")
        status = 422
    rules = SenderRule.objects.filter(owner=request.user).order_by("kind", "pattern")
    return _render(
        request,
        "senders",
        {
            "form": form,
            "rules": rules,
            "image_allowances": remote_image_allowances_for_user(user=request.user),
        },
        status=status,
    )


@require_POST
def sender_rule_delete(request: UserRequest, rule_id: int) -> HttpResponse:
    rule = get_object_or_404(SenderRule.objects.filter(owner=request.user), pk=rule_id)
    rule.delete()
    flash.success(request, _("Sender rule removed."))
    return redirect("emails:settings_section", section="senders")


@require_POST
def remote_image_allowance_delete_view(request: UserRequest, allowance_id: int) -> HttpResponse:
    from emails.models.remote_images import RemoteImageAllowance

    try:
        remote_image_allowance_delete(user=request.user, allowance_id=allowance_id)
    except RemoteImageAllowance.DoesNotExist as exc:
        raise Http404 from exc
    flash.success(request, _("Remote images from this sender are blocked again."))
    return redirect("emails:settings_section", section="senders")


def _section_profile(request: UserRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            zone_changed = user.time_zone != form.cleaned_data["time_zone"]
            user.language = form.cleaned_data["language"]
            user.time_zone = form.cleaned_data["time_zone"]
            user.save(update_fields=["language", "time_zone"])
            if zone_changed:  # "today" and the chart days were counted in the old zone
                dashboard_invalidate(user_id=user.pk)
            translation.activate(user.language)
            flash.success(request, _("Profile saved."))
            response = redirect("emails:settings_section", section="profile")
            language_cookie_set(response=response, request=request, language=user.language)
            return response
        return _render(request, "profile", {"form": form, "time_zones": time_zones()}, status=422)
    form = ProfileForm(initial={"language": user.language, "time_zone": user.time_zone})
    return _render(request, "profile", {"form": form, "time_zones": time_zones()})


def _section_security(request: UserRequest) -> HttpResponse:
    return _render(request, "security", {})


def _section_privacy(request: UserRequest) -> HttpResponse:
    rows = CloudRequestLog.objects.filter(owner=request.user).order_by("-created_at", "-id")
    page = Paginator(rows, PRIVACY_PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(request, "privacy", {"page": page})


@require_GET
def privacy_log_entry(request: UserRequest, log_id: int) -> HttpResponse:
    entry = get_object_or_404(CloudRequestLog.objects.filter(owner=request.user), pk=log_id)
    return _render(request, "privacy_entry", {"entry": entry})
