from django.urls import path

from accounts import mail_views

app_name = "mailaccounts"
urlpatterns = [
    path("", mail_views.mail_account_list, name="list"),
    path("add/", mail_views.mail_account_add, name="add"),
    path("test/", mail_views.mail_account_test_new, name="test_new"),
    path("<int:pk>/edit/", mail_views.mail_account_edit, name="edit"),
    path("<int:pk>/password/", mail_views.mail_account_reauth, name="reauth"),
    path("<int:pk>/delete/", mail_views.mail_account_delete, name="delete"),
    path("<int:pk>/sync/", mail_views.mail_account_sync, name="sync"),
    path("<int:pk>/test/", mail_views.mail_account_test, name="test"),
]
