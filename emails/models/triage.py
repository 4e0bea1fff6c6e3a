"""The triage result of one logical message: what the UI shows and the user corrects."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class TriageCategory(models.TextChoices):
    ACTION_REQUIRED = "action_required", _("action required")
    MEETING = "meeting", _("meeting")
    INVOICE_PAYMENT = "invoice_payment", _("invoice / payment")
    NEWSLETTER = "newsletter", _("newsletter")
    NOTIFICATION = "notification", _("notification")
    PERSONAL = "personal", _("personal")
    SPAM = "spam", _("spam")
    INFO = "info", _("info")


class TriageColour(models.TextChoices):
    RED = "red", _("red")
    YELLOW = "yellow", _("yellow")
    GREEN = "green", _("green")


def triage_score(*, urgency: int, importance: int) -> int:
    """2·urgency + importance (3–9)."""
    return 2 * urgency + importance


def triage_colour(score: int) -> str:
    """red ≥ 8, yellow ≥ 5, green otherwise."""
    return TriageColour.RED if score >= 8 else TriageColour.YELLOW if score >= 5 else TriageColour.GREEN


class Triage(models.Model):
    """Urgency/importance, score and colour, category, summary and the rest, with where each came from.

    ``score`` and ``colour`` are stored (for sorting and filtering) and always derived from urgency and
    importance through :meth:`derive`. ``corrected_fields`` names fields the user corrected: their value
    wins when the message is processed again.
    """

    Category = TriageCategory
    Colour = TriageColour

    logical = models.OneToOneField("emails.LogicalMessage", related_name="triage", on_delete=models.CASCADE)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    urgency = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(3)])
    importance = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(3)])
    score = models.PositiveSmallIntegerField(validators=[MinValueValidator(3), MaxValueValidator(9)])
    colour = models.CharField(max_length=8, choices=TriageColour.choices)
    category = models.CharField(max_length=24, choices=TriageCategory.choices, default=TriageCategory.INFO)
    summary = models.TextField(blank=True)
    action_items = models.JSONField(default=list, blank=True)
    deadline = models.DateTimeField(null=True, blank=True)
    is_spam = models.BooleanField(default=False)
    is_newsletter = models.BooleanField(default=False)
    invite = models.JSONField(null=True, blank=True, help_text="method, start, end, title, organizer")
    language = models.CharField(max_length=8, blank=True)
    confidence = models.FloatField(default=0.0)
    sources = models.JSONField(default=dict, blank=True, help_text="{field: source that decided it}")
    explanation = models.JSONField(
        default=list, blank=True, help_text="[{source, weight, urgency, importance, note}]: why this score"
    )
    injection_flagged = models.BooleanField(default=False)
    injection_reasons = models.JSONField(default=list, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    corrected_fields = models.JSONField(default=list, blank=True)
    provider = models.CharField(max_length=32, blank=True)
    analyzed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(urgency__gte=1, urgency__lte=3), name="triage_urgency"),
            models.CheckConstraint(
                condition=models.Q(importance__gte=1, importance__lte=3), name="triage_importance"
            ),
            models.CheckConstraint(
                condition=models.Q(score=2 * models.F("urgency") + models.F("importance")),
                name="triage_score_derived",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "done_at", "score"], name="triage_owner_done_score"),
            models.Index(fields=["owner", "colour", "done_at"], name="triage_owner_colour"),
            models.Index(fields=["owner", "category", "done_at"], name="triage_owner_category"),
            models.Index(fields=["owner", "deadline"], name="triage_owner_deadline"),
        ]

    def __str__(self) -> str:
        return f"{self.logical_id}: {self.score} {self.colour} {self.category}"

    def save(self, *args, **kwargs):
        self.derive()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and ({"urgency", "importance"} & set(update_fields)):
            kwargs["update_fields"] = list({*update_fields, "score", "colour"})
        super().save(*args, **kwargs)

    def derive(self) -> None:
        """Recompute score and colour from urgency and importance."""
        self.score = triage_score(urgency=self.urgency, importance=self.importance)
        self.colour = triage_colour(self.score)
