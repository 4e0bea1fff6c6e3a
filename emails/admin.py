from django.contrib import admin

from emails.models import MailFolder, Message, PendingOperation, SyncRun


@admin.register(MailFolder)
class MailFolderAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "account",
        "role",
        "is_selected",
        "uidvalidity",
        "last_uid_seen",
        "backfill_cursor",
        "last_synced_at",
    )
    list_filter = ("role", "is_selected")
    raw_id_fields = ("owner", "account")


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = (
        "account",
        "status",
        "trigger",
        "started_at",
        "finished_at",
        "messages_new",
        "messages_updated",
        "messages_deleted",
        "error",
    )
    list_filter = ("status", "trigger")
    raw_id_fields = ("owner", "account")


@admin.register(PendingOperation)
class PendingOperationAdmin(admin.ModelAdmin):
    list_display = ("kind", "account", "status", "attempts", "created_at", "applied_at", "error")
    list_filter = ("status", "kind")
    raw_id_fields = ("owner", "account", "message", "logical", "source_folder", "target_folder", "undo_of")


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Operators see metadata only; bodies stay out of the admin."""

    list_display = ("id", "account", "folder", "uid", "received_at", "size")
    fields = (
        "owner",
        "account",
        "folder",
        "uidvalidity",
        "uid",
        "received_at",
        "size",
        "flags",
        "parse_warnings",
    )
    readonly_fields = fields
    raw_id_fields = ("owner", "account", "folder")


from emails.pipeline import admin as pipeline_admin  # noqa: E402,F401
