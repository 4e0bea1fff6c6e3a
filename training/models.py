"""Labels (the user's corrections) and the per-user classifiers trained from them."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class LabelField(models.TextChoices):
    URGENCY = "urgency", "urgency"
    IMPORTANCE = "importance", "importance"
    CATEGORY = "category", "category"
    SPAM = "spam", "spam"


class Label(models.Model):
    """One correction of one field of one logical message; the newest label per (logical, field) counts."""

    Field = LabelField

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    logical = models.ForeignKey("emails.LogicalMessage", on_delete=models.CASCADE, related_name="labels")
    field = models.CharField(max_length=16, choices=LabelField.choices)
    value = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["owner", "field", "created_at"], name="label_owner_field_created"),
            models.Index(fields=["owner", "logical", "field"], name="label_owner_logical_field"),
        ]

    def __str__(self) -> str:
        return f"{self.logical_id} {self.field}={self.value}"


class ClassifierModel(models.Model):
    """One user's trained classifier for one field, signed (HMAC) and versioned.

    ``blob`` is only loaded after its signature verifies and its scikit-learn version matches the running
    one; a mismatch forces a retrain instead of unpickling something built elsewhere.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    field = models.CharField(max_length=16, choices=LabelField.choices)
    version = models.PositiveIntegerField(default=1)
    sklearn_version = models.CharField(max_length=32)
    blob = models.BinaryField()
    signature = models.CharField(max_length=128)
    accuracy = models.FloatField(null=True, blank=True, help_text="Held-out (cross-validated) accuracy")
    n_labels = models.PositiveIntegerField(default=0)
    trained_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "field"], name="classifier_unique_owner_field"),
        ]

    def __str__(self) -> str:
        return f"{self.owner_id} {self.field} v{self.version}"
