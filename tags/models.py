"""A user's tags and which of their messages carry them."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

TAG_NAME_MAX = 64
DEFAULT_COLOUR = "#6b7280"
colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #3366cc."))


class Tag(models.Model):
    """A label the owner puts on messages; names are unique per owner, ignoring case."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=TAG_NAME_MAX)
    colour = models.CharField(
        _("colour"), max_length=7, default=DEFAULT_COLOUR, validators=[colour_validator]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("owner", Lower("name"), name="tag_unique_name_per_owner"),
            models.CheckConstraint(
                condition=models.Q(colour__regex=r"^#[0-9a-fA-F]{6}$"), name="tag_colour_hex"
            ),
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MessageTag(models.Model):
    """``tag`` on the logical message ``logical`` (so a tag survives moves between folders)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="message_tags")
    logical = models.ForeignKey(
        "emails.LogicalMessage", on_delete=models.CASCADE, related_name="message_tags"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tag", "logical"], name="message_tag_unique"),
        ]
        indexes = [
            models.Index(fields=["owner", "tag", "logical"], name="message_tag_owner_tag"),
            models.Index(fields=["owner", "logical"], name="message_tag_owner_logical"),
        ]

    def __str__(self) -> str:
        return f"{self.tag_id} on {self.logical_id}"
