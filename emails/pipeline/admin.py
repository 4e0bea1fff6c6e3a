"""Admin for the pipeline's tables (read-mostly; API keys are never shown)."""

from __future__ import annotations

from django.contrib import admin

from emails.models import AIProviderSettings, CloudRequestLog, MessageContent, Processing, SenderRule, Triage


@admin.register(Processing)
class ProcessingAdmin(admin.ModelAdmin):
    list_display = ("logical", "owner", "stage", "failed_stage", "attempts", "last_error_at", "updated_at")
    list_filter = ("stage",)
    readonly_fields = [f.name for f in Processing._meta.fields]
    raw_id_fields = ("owner", "logical")


@admin.register(Triage)
class TriageAdmin(admin.ModelAdmin):
    list_display = (
        "logical",
        "owner",
        "score",
        "colour",
        "category",
        "provider",
        "injection_flagged",
        "done_at",
    )
    list_filter = ("colour", "category", "provider", "injection_flagged")
    raw_id_fields = ("owner", "logical")


@admin.register(MessageContent)
class MessageContentAdmin(admin.ModelAdmin):
    list_display = ("logical", "owner", "remote_images_blocked", "updated_at")
    exclude = ("safe_html",)  # never rendered outside the sandboxed iframe
    raw_id_fields = ("owner", "logical")


@admin.register(AIProviderSettings)
class AIProviderSettingsAdmin(admin.ModelAdmin):
    list_display = ("owner", "provider", "model", "endpoint", "has_api_key", "backfill_cloud_days")
    fields = ("owner", "provider", "model", "endpoint", "daily_token_budget", "daily_request_budget",
              "backfill_cloud_days", "user_language")  # fmt: skip
    raw_id_fields = ("owner",)

    @admin.display(boolean=True)
    def has_api_key(self, obj: AIProviderSettings) -> bool:
        return obj.has_api_key


@admin.register(SenderRule)
class SenderRuleAdmin(admin.ModelAdmin):
    list_display = ("owner", "pattern", "kind", "created_at")
    list_filter = ("kind",)
    raw_id_fields = ("owner",)


@admin.register(CloudRequestLog)
class CloudRequestLogAdmin(admin.ModelAdmin):
    list_display = ("owner", "provider", "model", "created_at", "status_code", "tokens_in", "tokens_out")
    list_filter = ("provider",)
    readonly_fields = [f.name for f in CloudRequestLog._meta.fields]
    raw_id_fields = ("owner", "logical")
