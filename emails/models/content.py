"""The sanitized, displayable content of a logical message (written by the pipeline's sanitize stage)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class MessageContent(models.Model):
    """Readable text, the reply split into new text/quote/signature, and display-safe HTML.

    ``safe_html`` went through the nh3 allow-list with remote images replaced (``remote_images_blocked``
    counts them); it is still rendered only inside the sandboxed iframe with its own CSP.
    """

    logical = models.OneToOneField("emails.LogicalMessage", related_name="content", on_delete=models.CASCADE)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(blank=True, help_text="The readable text (plain part, or converted HTML)")
    new_text = models.TextField(blank=True, help_text="The reply without quoted history and signature")
    quoted = models.TextField(blank=True)
    signature = models.TextField(blank=True)
    safe_html = models.TextField(blank=True)
    remote_images_blocked = models.PositiveIntegerField(default=0)
    html_to_text = models.BooleanField(default=False, help_text="text was converted from the HTML part")
    warnings = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "logical"], name="content_owner_logical")]

    def __str__(self) -> str:
        return f"content of {self.logical_id}"
