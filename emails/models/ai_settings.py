"""Per-user AI provider settings: which analyzer, where it lives, the (encrypted) key and the budget."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from mailhelper.crypto import secret_decrypt, secret_encrypt


class AIProvider(models.TextChoices):
    LOCAL = "local", _("local (no LLM)")
    OLLAMA = "ollama", "Ollama"
    OPENAI = "openai", _("OpenAI-compatible")
    ANTHROPIC = "anthropic", "Anthropic"


CLOUD_PROVIDERS = frozenset({AIProvider.OPENAI, AIProvider.ANTHROPIC})


def default_provider() -> str:
    return getattr(settings, "AI_DEFAULT_PROVIDER", AIProvider.LOCAL)


class AIProviderSettings(models.Model):
    """A user's choice of analyzer. The API key is stored encrypted, written only, never rendered.

    The endpoint is checked against SSRF by ``emails.pipeline.ai_settings.ai_settings_save`` (and by the
    pinned transport at request time). ``backfill_cloud_days``: during a backfill only mail received in
    the last N days goes to a cloud model; older mail gets the local analyzer.
    """

    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    provider = models.CharField(max_length=16, choices=AIProvider.choices, default=default_provider)
    model = models.CharField(max_length=200, blank=True)
    endpoint = models.URLField(max_length=500, blank=True, help_text="Base URL; empty = provider default")
    api_key_encrypted = models.TextField(editable=False, blank=True)
    daily_token_budget = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty = operator default"
    )
    daily_request_budget = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty = operator default"
    )
    backfill_cloud_days = models.PositiveIntegerField(default=30, validators=[MinValueValidator(0)])
    user_language = models.CharField(max_length=8, default="en")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "AI provider settings"
        verbose_name_plural = "AI provider settings"

    def __str__(self) -> str:
        return f"{self.provider} {self.model}".strip()

    def __repr__(self) -> str:  # never the key, not even encrypted
        return f"<AIProviderSettings owner={self.owner_id} provider={self.provider}>"

    @property
    def has_api_key(self) -> bool:
        return bool(self.api_key_encrypted)

    @property
    def is_cloud(self) -> bool:
        return self.provider in CLOUD_PROVIDERS

    def api_key(self) -> str:
        return secret_decrypt(token=self.api_key_encrypted) if self.api_key_encrypted else ""

    def api_key_set(self, plaintext: str) -> None:
        self.api_key_encrypted = secret_encrypt(plaintext=plaintext) if plaintext else ""
