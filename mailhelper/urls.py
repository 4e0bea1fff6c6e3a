from django.contrib import admin
from django.urls import include, path

from accounts.views import language_switch
from mailhelper import views

urlpatterns = [
    path("", views.home, name="home"),
    path("account/", include("accounts.urls")),
    path("mail-accounts/", include("accounts.mail_urls")),
    path("mail/", include("emails.urls")),
    path("i18n/setlang/", language_switch, name="set_language"),
    path("admin/", admin.site.urls),
]

handler400 = "mailhelper.views.bad_request"
handler403 = "mailhelper.views.permission_denied"
handler404 = "mailhelper.views.page_not_found"
handler500 = "mailhelper.views.server_error"
