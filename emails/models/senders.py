"""Per-user sender rules: VIP and trusted senders, matched by address patterns with wildcards."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SenderRuleKind(models.TextChoices):
    VIP = "vip", _("VIP (raise importance)")
    TRUSTED = "trusted", _("trusted (never spam)")


class SenderRule(models.Model):
    """``pattern`` is an address or a shell-style wildcard such as ``*@example.com`` (case-insensitive)."""

    Kind = SenderRuleKind

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    pattern = models.CharField(max_length=320)
    kind = models.CharField(max_length=16, choices=SenderRuleKind.choices, default=SenderRuleKind.VIP)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "pattern", "kind"], name="sender_rule_unique"),
        ]
        indexes = [models.Index(fields=["owner", "kind"], name="sender_rule_owner_kind")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.pattern}"

    def save(self, *args, **kwargs):
        self.pattern = self.pattern.strip().lower()
        super().save(*args, **kwargs)
