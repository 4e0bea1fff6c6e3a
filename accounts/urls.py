from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("2fa/", views.otp_verify, name="otp_verify"),
    path("2fa/setup/", views.otp_setup, name="otp_setup"),
    path("security/", views.security, name="security"),
    path("security/recovery-codes/", views.recovery_codes_new, name="recovery_codes_new"),
    path("sessions/", views.sessions, name="sessions"),
    path("sessions/<int:session_id>/revoke/", views.session_revoke_view, name="session_revoke"),
    path("sessions/revoke-all/", views.sessions_revoke_all_view, name="sessions_revoke_all"),
    path("password/", views.password_change_view, name="password_change"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("password/reset/sent/", views.password_reset_done, name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("password/reset/complete/", views.password_reset_complete, name="password_reset_complete"),
    path("setup/", views.setup, name="setup"),
    path("invites/", views.invites, name="invites"),
    path("invite/<str:token>/", views.invite_accept_view, name="invite_accept"),
]
