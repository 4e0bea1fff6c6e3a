"""Operators' view of mail accounts: status, last error, "sync now"; passwords are never shown."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import MailAccount
from accounts.services.mail_accounts import (
    SyncRequestOutcome,
    mail_account_delete_request,
    mail_account_sync_request,
)


@admin.register(MailAccount)
class MailAccountAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "owner",
        "imap_host",
        "status",
        "last_success_at",
        "consecutive_failures",
        "last_error_short",
    )
    list_filter = ("enabled", "needs_reauth", "deleting", "imap_security")
    search_fields = ("name", "imap_host", "username", "owner__username")
    list_select_related = ("owner",)
    actions = ("sync_now",)
    # The encrypted password columns are not editable model fields; listing every other field explicitly
    # keeps them out even if someone later makes them editable.
    fieldsets = (
        (None, {"fields": ("owner", "name", "email_address", "enabled")}),
        (_("IMAP"), {"fields": ("imap_host", "imap_port", "imap_security", "username")}),
        (_("SMTP"), {"fields": ("smtp_host", "smtp_port", "smtp_security", "smtp_username")}),
        (_("Sync"), {"fields": ("sync_interval_minutes", "folder_include", "folder_exclude", "sync_since")}),
        (
            _("Status"),
            {
                "fields": (
                    "needs_reauth",
                    "deleting",
                    "last_sync_started_at",
                    "sync_requested_at",
                    "last_success_at",
                    "consecutive_failures",
                    "last_error",
                    "created_at",
                    "updated_at",
                )
            },
        ),
    )
    readonly_fields = (
        "owner",
        "deleting",
        "last_sync_started_at",
        "sync_requested_at",
        "last_success_at",
        "consecutive_failures",
        "last_error",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # accounts are added by their owners, whose password we test before storing it

    @admin.display(description=_("status"))
    def status(self, account: MailAccount) -> str:
        if account.deleting:
            return str(_("being deleted"))
        if account.needs_reauth:
            return str(_("needs password"))
        if not account.enabled:
            return str(_("disabled"))
        if account.consecutive_failures:
            return str(_("failing"))
        return str(_("ok")) if account.last_success_at else str(_("never synced"))

    @admin.display(description=_("last error"))
    def last_error_short(self, account: MailAccount) -> str:
        return (account.last_error or "")[:120]

    @admin.action(description=_("Sync now"))
    def sync_now(self, request: HttpRequest, queryset: QuerySet[MailAccount]) -> None:
        queued = 0
        for account in queryset:
            if mail_account_sync_request(account=account, enforce_quota=False) is SyncRequestOutcome.QUEUED:
                queued += 1
        skipped = len(queryset) - queued
        self.message_user(
            request,
            ngettext("%(count)d sync queued.", "%(count)d syncs queued.", queued) % {"count": queued},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d account skipped (already queued, disabled, needs its password or being deleted).",
                    "%(count)d accounts skipped (already queued, disabled, need their password or being deleted).",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )

    # Deleting removes our local copy in the background, exactly like the owner's delete button.
    def delete_model(self, request: HttpRequest, obj: MailAccount) -> None:
        mail_account_delete_request(account=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[MailAccount]) -> None:
        for account in queryset:
            mail_account_delete_request(account=account)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        # Skip the cascade preview: it would load every synced message of the account into the page.
        to_delete = [str(o) for o in objs]
        model_count: dict[str, int] = {}
        perms_needed: set[str] = set()
        protected: list[str] = []
        if not self.has_delete_permission(request):
            perms_needed = {str(MailAccount._meta.verbose_name)}
        return to_delete, model_count, perms_needed, protected
