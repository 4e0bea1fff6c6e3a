"""Conversations: threads of logical messages, linked by Message-ID headers or, failing those, subject."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models


class Thread(models.Model):
    """One conversation of one owner (maintained by ``emails.threads.services.threads_assign``)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    subject = models.TextField(blank=True, help_text="The subject of the earliest message")
    subject_key = models.CharField(
        max_length=300, blank=True, help_text="Normalised subject (no Re:/AW:/[list] tags) for the fallback"
    )
    has_reply_subject = models.BooleanField(default=False)
    participants = ArrayField(models.CharField(max_length=500), default=list, blank=True)
    senders = ArrayField(models.CharField(max_length=500), default=list, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    message_count = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["owner", "subject_key"], name="thread_owner_subject_key"),
            models.Index(fields=["owner", "last_activity_at"], name="thread_owner_last_activity"),
        ]

    def __str__(self) -> str:
        return self.subject or "(no subject)"


class ThreadMembership(models.Model):
    """Which thread a logical message belongs to (its own table, so the Message tables stay untouched)."""

    logical = models.OneToOneField(
        "emails.LogicalMessage", on_delete=models.CASCADE, primary_key=True, related_name="thread_membership"
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="memberships")

    def __str__(self) -> str:
        return f"{self.logical_id} in thread {self.thread_id}"


class ThreadKey(models.Model):
    """A Message-ID seen in a thread, as a message's own id or as one it refers to.

    The persistent form of JWZ's id table: a reply that names a message we have not (yet) seen leaves a
    key behind, so the missing message joins the thread when it arrives, whatever the order.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=998)
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="keys")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="thread_key_unique_per_owner")]

    def __str__(self) -> str:
        return self.key
