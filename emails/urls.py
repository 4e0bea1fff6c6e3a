from django.urls import path

app_name = "emails"
urlpatterns: list = []

# Dashboard, list and bulk actions (UI)
from emails.views import bulk as bulk_views  # noqa: E402
from emails.views import dashboard as dashboard_views  # noqa: E402
from emails.views import failures as failure_views  # noqa: E402
from emails.views import listing as listing_views  # noqa: E402

urlpatterns += [
    path("", listing_views.message_list, name="list"),
    path("rows/", listing_views.message_rows, name="rows"),
    path("bulk/", bulk_views.bulk_action, name="bulk"),
    path("undo/", bulk_views.bulk_undo, name="undo"),
    path("failures/", failure_views.failed_operations_panel, name="failed_operations"),
    path("failures/dismiss/", failure_views.failed_operations_dismiss_view, name="failed_operations_dismiss"),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("dashboard/panel/", dashboard_views.dashboard_panel, name="dashboard_panel"),
    path("dashboard/accounts/", dashboard_views.dashboard_accounts, name="dashboard_accounts"),
    path(
        "dashboard/accounts/<int:account_id>/sync/",
        dashboard_views.dashboard_sync_now,
        name="dashboard_sync_now",
    ),
]

# Message detail, body frame, parts, settings (UI)
from emails.views import attachments as attachment_views  # noqa: E402
from emails.views import body as body_views  # noqa: E402
from emails.views import detail as detail_views  # noqa: E402
from emails.views import settings as settings_views  # noqa: E402

urlpatterns += [
    path("m/<int:pk>/", detail_views.message_detail, name="detail"),
    path("m/<int:pk>/body/", body_views.message_body, name="body"),
    path("m/<int:pk>/cid/<path:content_id>", attachment_views.message_cid, name="cid"),
    path("m/<int:pk>/attachment/<str:part_id>/", attachment_views.message_attachment, name="attachment"),
    path("m/<int:pk>/ai/", detail_views.message_ai_panel, name="ai_panel"),
    path("m/<int:pk>/correct/", detail_views.message_triage_correct, name="triage_correct"),
    path("m/<int:pk>/done/", detail_views.message_triage_done, name="triage_done"),
    path("m/<int:pk>/action/", detail_views.message_action_view, name="detail_action"),
    path("m/<int:pk>/undo/<int:operation_id>/", detail_views.message_undo, name="detail_undo"),
    path("m/<int:pk>/tags/", detail_views.message_tag_add, name="detail_tag_add"),
    path("m/<int:pk>/tags/<int:tag_id>/remove/", detail_views.message_tag_remove, name="detail_tag_remove"),
    path("m/<int:pk>/remote-images/", detail_views.message_remote_images_allow, name="remote_images_allow"),
    path("settings/", settings_views.settings_page, name="settings"),
    path("settings/ai/test/", settings_views.ai_settings_test_view, name="settings_ai_test"),
    path(
        "settings/senders/<int:rule_id>/delete/", settings_views.sender_rule_delete, name="sender_rule_delete"
    ),
    path(
        "settings/images/<int:allowance_id>/delete/",
        settings_views.remote_image_allowance_delete_view,
        name="remote_image_allowance_delete",
    ),
    path("settings/privacy/<int:log_id>/", settings_views.privacy_log_entry, name="privacy_log_entry"),
    path("settings/<slug:section>/", settings_views.settings_page, name="settings_section"),
]

from tags import views as tag_views  # noqa: E402

urlpatterns += [
    path("tags/", tag_views.tag_list, name="tags"),
    path("tags/<int:tag_id>/", tag_views.tag_edit, name="tag_edit"),
    path("tags/<int:tag_id>/delete/", tag_views.tag_delete_view, name="tag_delete"),
]
