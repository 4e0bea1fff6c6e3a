"""The journal of user actions: applied locally at once, then reconciled with the server."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class OperationKind(models.TextChoices):
    FLAGS_ADD = "flags_add", _("Add flags")
    FLAGS_REMOVE = "flags_remove", _("Remove flags")
    MOVE = "move", pgettext_lazy("journal entry", "Move")
    DELETE = "delete", _("Delete permanently")


class OperationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the server")
    APPLIED = "applied", _("Done on the server")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Undone before it reached the server")


class PendingOperation(models.Model):
    """One user action on one message.

    ``source_*`` is where the message lives on the server when the action is recorded (empty while an
    earlier move of ours still waits for the target folder's UID; it is filled in then). While the
    operation is pending, a sync never overwrites what it changed locally.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey("accounts.MailAccount", on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(
        "emails.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="operations"
    )
    logical = models.ForeignKey(
        "emails.LogicalMessage", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=15, choices=OperationKind.choices)
    flags = models.JSONField(default=list, blank=True)
    source_folder = models.ForeignKey(
        "emails.MailFolder", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source_uidvalidity = models.BigIntegerField(null=True, blank=True)
    source_uid = models.BigIntegerField(null=True, blank=True)
    target_folder = models.ForeignKey(
        "emails.MailFolder", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    undo_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=10, choices=OperationStatus.choices, default=OperationStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["account", "status", "id"], name="pending_op_account_status"),
            models.Index(fields=["owner", "-created_at"], name="pending_op_owner_created"),
            models.Index(
                fields=["message"],
                name="pending_op_open_message",
                condition=models.Q(status="pending"),
            ),
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.message_id} {self.status}"
