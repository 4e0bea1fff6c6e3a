"""Forms of the mail-account pages. Password fields are write-only: never rendered back, empty = keep."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.mail_selectors import mail_account_same_mailbox
from accounts.models import MailAccount, Security
from accounts.services.mail_accounts import mail_account_duplicate_message
from mailhelper.crypto import SecretUnreadable

_HOST = re.compile(r"^[A-Za-z0-9.\-_:\[\]\u00a1-\uffff]+$")
CONNECTION_FIELDS = ("imap_host", "imap_port", "imap_security", "username")


def stored_password(account: MailAccount) -> str:
    """The stored password, or "" when no configured key can read it (the server will then say "wrong")."""
    try:
        return account.password
    except SecretUnreadable:
        return ""


def _password_field(*, label: Any, required: bool, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        strip=False,
        max_length=1024,
        help_text=help_text,
        # render_value=False: a stored password never travels back to the browser.
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )


class MailAccountForm(forms.ModelForm):
    """Add or edit an account. On edit an empty password keeps the stored one."""

    password = _password_field(label=_("Password"), required=True)
    smtp_password = _password_field(
        label=_("SMTP password"), required=False, help_text=_("Leave empty to keep the stored one (if any).")
    )

    class Meta:
        model = MailAccount
        fields = [
            "name",
            "email_address",
            "imap_host",
            "imap_port",
            "imap_security",
            "username",
            "sync_interval_minutes",
            "folder_include",
            "folder_exclude",
            "sync_since",
            "enabled",
            "smtp_host",
            "smtp_port",
            "smtp_security",
            "smtp_username",
        ]
        widgets = {
            "sync_since": forms.DateInput(attrs={"type": "date"}),
            "folder_include": forms.Textarea(attrs={"rows": 3}),
            "folder_exclude": forms.Textarea(attrs={"rows": 3}),
            "username": forms.TextInput(attrs={"autocomplete": "off"}),
        }

    def __init__(self, *args: Any, owner: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owner = owner
        self.is_new = self.instance.pk is None
        if not self.is_new:
            self.fields["password"].required = False
            self.fields["password"].help_text = _("Leave empty to keep the stored password.")
        self.fields["sync_interval_minutes"].widget.attrs.update({"min": 1, "max": 1440})
        self.fields["imap_port"].widget.attrs.update({"min": 1, "max": 65535})

    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The fields in the groups the page shows, each group with its legend."""
        groups = [
            (
                _("Incoming mail (IMAP)"),
                ["name", "email_address", "imap_host", "imap_port", "imap_security", "username", "password"],
            ),
            (
                _("What to sync"),
                ["sync_interval_minutes", "folder_include", "folder_exclude", "sync_since", "enabled"],
            ),
            (
                _("Outgoing mail (SMTP, optional)"),
                ["smtp_host", "smtp_port", "smtp_security", "smtp_username", "smtp_password"],
            ),
        ]
        return [(str(legend), [self[name] for name in names]) for legend, names in groups]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        others = MailAccount.objects.filter(owner_id=self.owner.pk, name__iexact=name).exclude(
            pk=self.instance.pk
        )
        if others.exists():
            raise forms.ValidationError(_("You already have an account with this name."))
        return name

    def _host_clean(self, value: str) -> str:
        host = (value or "").strip().rstrip(".")
        if "://" in host or "/" in host or " " in host or not _HOST.match(host or "-"):
            raise forms.ValidationError(_("Enter only the server name, e.g. imap.example.org."))
        return host

    def clean_imap_host(self) -> str:
        return self._host_clean(self.cleaned_data["imap_host"])

    def clean_smtp_host(self) -> str:
        value = self.cleaned_data.get("smtp_host") or ""
        return self._host_clean(value) if value.strip() else ""

    def _port_clean(self, value: int | None) -> int | None:
        if value is not None and not 0 < value < 65536:
            raise forms.ValidationError(_("A port is a number from 1 to 65535."))
        return value

    def clean_imap_port(self) -> int | None:
        return self._port_clean(self.cleaned_data.get("imap_port"))

    def clean_smtp_port(self) -> int | None:
        return self._port_clean(self.cleaned_data.get("smtp_port"))

    def clean_sync_interval_minutes(self) -> int:
        value = self.cleaned_data["sync_interval_minutes"]
        if not 1 <= value <= 1440:
            raise forms.ValidationError(_("Choose between 1 and 1440 minutes."))
        return value

    def _patterns_clean(self, field: str) -> str:
        lines = [line.strip() for line in (self.cleaned_data.get(field) or "").splitlines()]
        return "\n".join(line for line in lines if line)

    def clean_folder_include(self) -> str:
        return self._patterns_clean("folder_include")

    def clean_folder_exclude(self) -> str:
        return self._patterns_clean("folder_exclude")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for field in ("imap_security", "smtp_security"):
            if cleaned.get(field) == Security.NONE and not settings.ALLOW_PRIVATE_HOSTS:
                self.add_error(field, _("Unencrypted connections are disabled on this server."))
        if cleaned.get("imap_host") and cleaned.get("username"):
            other = mail_account_same_mailbox(
                owner_id=self.owner.pk,
                host=cleaned["imap_host"],
                port=cleaned.get("imap_port"),
                username=cleaned["username"],
                exclude_pk=self.instance.pk,
            )
            if other is not None:
                # before the connection test: no need to log in to a mailbox that is already here
                self.add_error(None, mail_account_duplicate_message(other))
        return cleaned

    def _post_clean(self) -> None:
        # The owner is not a form field; set it so the model's unique (owner, name) check can run.
        self.instance.owner_id = self.owner.pk
        super()._post_clean()  # type: ignore[misc]

    @property
    def connection_changed(self) -> bool:
        return (
            self.is_new
            or bool(self.cleaned_data.get("password"))
            or any(f in self.changed_data for f in CONNECTION_FIELDS)
        )

    @property
    def needs_connection_test(self) -> bool:
        """Saving tests the connection, unless the account is being switched off without touching it."""
        return self.connection_changed or bool(self.cleaned_data.get("enabled"))

    def connection_settings(self) -> dict[str, Any]:
        """Keyword arguments for ``mail_account_connection_test``: typed values, stored password as fallback."""
        password = self.cleaned_data.get("password") or (
            "" if self.is_new else stored_password(self.instance)
        )
        return {
            "host": self.cleaned_data["imap_host"],
            "port": self.cleaned_data["imap_port"],
            "security": self.cleaned_data["imap_security"],
            "username": self.cleaned_data["username"],
            "password": password,
        }

    def account_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.cleaned_data}


class MailAccountPasswordForm(forms.Form):
    """Re-enter the password of an account the server stopped accepting."""

    password = _password_field(label=_("Password"), required=True)
