"""The owner's permission to load remote images in a mail body: for one message or for one sender."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RemoteImageAllowance(models.Model):
    """Remote images may load for ``logical`` (one message) or for every mail from ``sender_address``.

    Exactly one of the two is set. Addresses are stored lower-case. Without a matching row remote images
    are replaced by a placeholder and the body's CSP allows no remote origin at all.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    logical = models.ForeignKey(
        "emails.LogicalMessage", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    sender_address = models.CharField(_("sender address"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(logical__isnull=True) & ~Q(sender_address=""))
                | (Q(logical__isnull=False) & Q(sender_address="")),
                name="remote_image_allowance_one_target",
            ),
            models.UniqueConstraint(
                fields=["owner", "sender_address"],
                condition=Q(logical__isnull=True),
                name="remote_image_allowance_unique_sender",
            ),
            models.UniqueConstraint(
                fields=["owner", "logical"],
                condition=Q(logical__isnull=False),
                name="remote_image_allowance_unique_message",
            ),
        ]

    def __str__(self) -> str:
        return self.sender_address or f"message {self.logical_id}"

    def save(self, *args, **kwargs):
        self.sender_address = self.sender_address.strip().lower()
        super().save(*args, **kwargs)
