from django.urls import path

app_name = "emails"
urlpatterns: list = []

# Dashboard, list and bulk actions (UI)
from emails.views import bulk as bulk_views  # noqa: E402
from emails.views import dashboard as dashboard_views  # noqa: E402
from emails.views import listing as listing_views  # noqa: E402

urlpatterns += [
    path("", listing_views.message_list, name="list"),
    path("rows/", listing_views.message_rows, name="rows"),
    path("bulk/", bulk_views.bulk_action, name="bulk"),
    path("undo/", bulk_views.bulk_undo, name="undo"),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("dashboard/panel/", dashboard_views.dashboard_panel, name="dashboard_panel"),
    path("dashboard/accounts/", dashboard_views.dashboard_accounts, name="dashboard_accounts"),
    path(
        "dashboard/accounts/<int:account_id>/sync/",
        dashboard_views.dashboard_sync_now,
        name="dashboard_sync_now",
    ),
]
