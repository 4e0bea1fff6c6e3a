"""A user's IMAP (and optional SMTP) mailbox connection; the password is encrypted at rest."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mailhelper.crypto import secret_decrypt, secret_encrypt


class Security(models.TextChoices):
    SSL = "ssl", _("SSL/TLS")
    STARTTLS = "starttls", _("STARTTLS")
    NONE = "none", _("None (unencrypted, only for local test servers)")


class AccountKind(models.TextChoices):
    IMAP = "imap", _("IMAP server")
    LOCAL = "local", _("Local (imported mail, no server)")


class MailAccount(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mail_accounts"
    )
    name = models.CharField(_("name"), max_length=100)
    # Local accounts hold imported mail: no server, never synced, user actions apply only to our copy.
    kind = models.CharField(
        _("kind"), max_length=10, choices=AccountKind.choices, default=AccountKind.IMAP, editable=False
    )
    email_address = models.EmailField(_("e-mail address"), blank=True)
    imap_host = models.CharField(_("IMAP server"), max_length=255)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_security = models.CharField(
        _("IMAP security"), max_length=10, choices=Security.choices, default=Security.SSL
    )
    username = models.CharField(_("user name"), max_length=255)
    password_encrypted = models.TextField(editable=False, blank=True)
    smtp_host = models.CharField(_("SMTP server"), max_length=255, blank=True)
    smtp_port = models.PositiveIntegerField(_("SMTP port"), null=True, blank=True)
    smtp_security = models.CharField(
        _("SMTP security"), max_length=10, choices=Security.choices, default=Security.STARTTLS
    )
    smtp_username = models.CharField(_("SMTP user name"), max_length=255, blank=True)
    smtp_password_encrypted = models.TextField(editable=False, blank=True)
    sync_interval_minutes = models.PositiveIntegerField(_("sync every (minutes)"), default=5)
    folder_include = models.TextField(
        _("only these folders"),
        blank=True,
        help_text=_("One pattern per line (* and ? allowed); empty means all"),
    )
    folder_exclude = models.TextField(
        _("never these folders"), blank=True, help_text=_("One pattern per line")
    )
    sync_since = models.DateField(_("only mail since"), null=True, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    # Sync status, visible to the user and the operator.
    last_sync_started_at = models.DateTimeField(null=True, blank=True)
    # Set when someone asks for "sync now"; the request counts as queued until a sync starts after it.
    sync_requested_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    needs_reauth = models.BooleanField(default=False)
    deleting = models.BooleanField(default=False, help_text=_("Removal of our local copy is in progress"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="mail_account_unique_name_per_owner")
        ]
        indexes = [
            models.Index(fields=["enabled", "needs_reauth", "last_sync_started_at"], name="mail_account_due")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.username}@{self.imap_host})"

    def __repr__(self) -> str:  # never the password, not even encrypted
        return f"<MailAccount {self.pk} owner={self.owner_id} {self.imap_host}:{self.imap_port}>"

    @property
    def password(self) -> str:
        return secret_decrypt(token=self.password_encrypted)

    def password_set(self, plaintext: str) -> None:
        self.password_encrypted = secret_encrypt(plaintext=plaintext)

    @property
    def smtp_password(self) -> str:
        return secret_decrypt(token=self.smtp_password_encrypted)

    def smtp_password_set(self, plaintext: str) -> None:
        self.smtp_password_encrypted = secret_encrypt(plaintext=plaintext) if plaintext else ""

    @property
    def is_local(self) -> bool:
        return self.kind == AccountKind.LOCAL

    @property
    def is_due(self) -> bool:
        if self.is_local:
            return False
        if not self.enabled or self.needs_reauth or self.deleting:
            return False
        if self.last_sync_started_at is None:
            return True
        return timezone.now() - self.last_sync_started_at >= timedelta(minutes=self.sync_interval_minutes)
