"""One IMAP folder of a mail account and the sync state kept for it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class FolderRole(models.TextChoices):
    # Folder names are nouns; the same English words label actions elsewhere ("Archive", "Trash").
    INBOX = "inbox", pgettext_lazy("mail folder", "Inbox")
    SENT = "sent", pgettext_lazy("mail folder", "Sent")
    TRASH = "trash", pgettext_lazy("mail folder", "Trash")
    JUNK = "junk", pgettext_lazy("mail folder", "Junk")
    DRAFTS = "drafts", pgettext_lazy("mail folder", "Drafts")
    ARCHIVE = "archive", pgettext_lazy("mail folder", "Archive")
    ALL = "all", pgettext_lazy("mail folder", "All mail")
    NONE = "", pgettext_lazy("mail folder", "Other")


class MailFolder(models.Model):
    """A folder as the server LISTs it.

    ``raw_name`` is the name on the wire (modified UTF-7) and the identity of the folder; ``name`` is its
    decoded form for people. Messages with UIDs in ``[backfill_cursor, last_uid_seen]`` are stored (when
    ``backfill_cursor`` is 0 the backfill is complete); new mail is fetched above ``last_uid_seen``.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey("accounts.MailAccount", on_delete=models.CASCADE, related_name="folders")
    name = models.CharField(max_length=1000)
    raw_name = models.CharField(max_length=1000)
    delimiter = models.CharField(max_length=4, blank=True)
    role = models.CharField(max_length=10, choices=FolderRole.choices, default=FolderRole.NONE, blank=True)
    server_flags = models.JSONField(default=list, blank=True)
    is_selectable = models.BooleanField(default=True)
    is_selected = models.BooleanField(
        default=True, help_text=_("Matches the account's folder include/exclude patterns")
    )
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    uidnext = models.BigIntegerField(null=True, blank=True)
    highestmodseq = models.BigIntegerField(null=True, blank=True)
    last_uid_seen = models.BigIntegerField(default=0)
    backfill_cursor = models.BigIntegerField(
        default=0, help_text=_("UIDs below this one are still to be fetched; 0 when the backfill is done")
    )
    server_message_count = models.PositiveIntegerField(default=0)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "raw_name"], name="mail_folder_unique_raw_name"),
        ]
        indexes = [models.Index(fields=["owner", "account", "name"], name="mail_folder_owner_account")]
        ordering = ["account_id", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The name to show people: INBOX is the protocol's fixed name, so it is shown in the user's language;
        every other folder as the server names it."""
        if self.role == FolderRole.INBOX and self.name.upper() == "INBOX":
            return str(FolderRole.INBOX.label)
        return self.name

    @property
    def is_backfill_complete(self) -> bool:
        return self.backfill_cursor == 0
