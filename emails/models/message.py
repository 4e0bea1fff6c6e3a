"""Stored messages: one row per (folder, UID) copy, all copies sharing one LogicalMessage."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

if TYPE_CHECKING:
    from emails.models.triage import Triage


class LogicalMessage(models.Model):
    """One message as a person sees it, however many folders hold a copy of it.

    Copies (a message in INBOX and in Gmail's All Mail, the same mail filed twice) share one row, keyed by
    the parser's fingerprint (Message-ID plus normalised content). Everything learnt about a message (AI
    results, tags, corrections) hangs off this row, so it survives moves between folders and UIDVALIDITY
    resets, and later stages analyse and count each logical message once.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    fingerprint = models.CharField(max_length=64)
    message_id = models.CharField(max_length=998, blank=True)
    first_seen_at = models.DateTimeField(auto_now_add=True)

    # Reverse one-to-one from Triage.logical (the django-stubs plugin does not add it here).
    triage: Triage

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "fingerprint"], name="logical_message_unique_fingerprint"
            ),
        ]
        indexes = [models.Index(fields=["owner", "message_id"], name="logical_message_owner_msgid")]

    def __str__(self) -> str:
        return self.message_id or self.fingerprint


class Message(models.Model):
    """One copy of a message in one folder, exactly as the server numbers it.

    ``uid`` is negative while a move we made waits for the target folder's next sync to learn the new UID
    (the row keeps its id, its logical message and everything hanging off it).
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey("accounts.MailAccount", on_delete=models.CASCADE, related_name="messages")
    folder = models.ForeignKey("emails.MailFolder", on_delete=models.CASCADE, related_name="messages")
    logical = models.ForeignKey(LogicalMessage, on_delete=models.PROTECT, related_name="copies")
    uidvalidity = models.BigIntegerField()
    uid = models.BigIntegerField()
    modseq = models.BigIntegerField(null=True, blank=True)
    # Bumped by every local user action; a sync only writes flags over the version it read.
    local_version = models.PositiveIntegerField(default=0)

    message_id = models.CharField(max_length=998, blank=True)
    in_reply_to = models.CharField(max_length=998, blank=True)
    references = ArrayField(models.CharField(max_length=998), default=list, blank=True)
    subject = models.TextField(blank=True)
    from_name = models.CharField(max_length=500, blank=True)
    from_address = models.CharField(max_length=500, blank=True)
    sender = models.JSONField(null=True, blank=True)
    reply_to = models.JSONField(default=list, blank=True)
    to = models.JSONField(default=list, blank=True)
    cc = models.JSONField(default=list, blank=True)
    bcc = models.JSONField(default=list, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(help_text="The server's INTERNALDATE (falls back to the Date header)")
    size = models.PositiveIntegerField(default=0)

    flags = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    is_seen = models.BooleanField(default=False)
    is_flagged = models.BooleanField(default=False)
    is_answered = models.BooleanField(default=False)
    is_draft = models.BooleanField(default=False)

    text_body = models.TextField(blank=True)
    html_body = models.TextField(blank=True)
    raw_headers = models.TextField(blank=True)
    attachments = models.JSONField(default=list, blank=True)
    has_attachments = models.BooleanField(default=False)
    calendar_parts = models.JSONField(default=list, blank=True)
    list_headers = models.JSONField(default=dict, blank=True)
    is_structure_parsed = models.BooleanField(default=True)
    parse_warnings = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "folder", "uidvalidity", "uid"], name="message_unique_server_copy"
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "received_at", "id"], name="message_owner_received"),
            models.Index(fields=["owner", "folder", "received_at", "id"], name="message_owner_folder_recv"),
            models.Index(fields=["owner", "logical"], name="message_owner_logical"),
            models.Index(fields=["owner", "message_id"], name="message_owner_msgid"),
            models.Index(fields=["folder", "uidvalidity", "uid"], name="message_folder_uid"),
        ]

    def __str__(self) -> str:
        return self.subject or "(no subject)"
