"""Saving and testing a user's AI provider settings (endpoint SSRF-checked, key encrypted, never shown)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from emails.ai.providers import AnalysisRequest
from emails.models import AIProvider, AIProviderSettings
from mailhelper.netguard import NetguardError, address_resolve_checked


@dataclass(frozen=True)
class ConnectionTestResult:
    ok: bool
    message: str  # for the user, in the language of the request that ran the test


def endpoint_check(*, endpoint: str) -> None:
    """Refuse endpoints that resolve to private/loopback addresses (unless the operator allows them)."""
    if not endpoint:
        return
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(_("The endpoint must be an http or https URL."), code="endpoint_scheme")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        address_resolve_checked(host=parts.hostname, port=port)
    except NetguardError as exc:
        raise ValidationError(
            _("The endpoint is not allowed: %(reason)s"),
            code="endpoint_not_allowed",
            params={"reason": str(exc)},
        ) from exc


def ai_settings_save(*, settings: AIProviderSettings, api_key: str | None = None) -> AIProviderSettings:
    """Validate and save; ``api_key=None`` keeps the stored key, ``""`` removes it."""
    endpoint_check(endpoint=settings.endpoint)
    if api_key is not None:
        settings.api_key_set(api_key)
    settings.full_clean(exclude=["owner"])
    settings.save()
    return settings


def ai_settings_test(*, settings: AIProviderSettings) -> ConnectionTestResult:
    """One tiny analysis request with a made-up mail, for the "test connection" button (not budgeted)."""
    from emails.ai.providers import ANALYZERS
    from emails.pipeline.analyze import provider_config_for

    if settings.provider == AIProvider.LOCAL:
        return ConnectionTestResult(True, _("The local analyzer needs no connection."))
    try:
        endpoint_check(endpoint=settings.endpoint)
    except ValidationError as exc:
        return ConnectionTestResult(False, " ".join(exc.messages))
    config = provider_config_for(settings)
    config = type(config)(**{**config.__dict__, "user_id": None})
    outcome = ANALYZERS[settings.provider](config).analyze(
        AnalysisRequest(
            subject="Connection test", body="Please confirm the meeting on Friday.", sender="[EMAIL_1]"
        )
    )
    if outcome.ok:
        return ConnectionTestResult(
            True,
            _("%(provider)s %(model)s answered correctly.")
            % {"provider": outcome.provider, "model": outcome.model},
        )
    # The provider's own error text stays as it came (it is what its documentation and support know).
    return ConnectionTestResult(
        False,
        _("No usable answer (%(kind)s): %(error)s")
        % {"kind": type(outcome.error).__name__, "error": outcome.error},
    )
