from __future__ import annotations

from django.contrib import admin

from training.models import ClassifierModel, Label


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ("owner", "logical", "field", "value", "created_at")
    list_filter = ("field",)
    raw_id_fields = ("owner", "logical")


@admin.register(ClassifierModel)
class ClassifierModelAdmin(admin.ModelAdmin):
    list_display = ("owner", "field", "version", "accuracy", "n_labels", "sklearn_version", "trained_at")
    exclude = ("blob",)
    readonly_fields = (
        "owner",
        "field",
        "version",
        "accuracy",
        "n_labels",
        "sklearn_version",
        "trained_at",
        "signature",
    )
