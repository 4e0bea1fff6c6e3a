"""The operators' admin: users with 2FA, lockout and session state and the actions on them, invites,
and the read-only audit log. No secret is ever shown: no password hash, OTP key or recovery code."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.admin import OTPAdminSite
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent, Invite, Lockout, User, UserSession
from accounts.selectors import user_agent_describe
from accounts.services.invites import invite_create
from accounts.services.lockout import lockout_release, user_lockout_until
from accounts.services.otp import otp_reset
from accounts.services.users import user_deactivate

# The whole admin is for staff whose session passed the second factor (django-otp's documented way).
admin.site.__class__ = OTPAdminSite

# django-otp's own device admins show TOTP keys (with a QR code) and the recovery codes themselves.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


def _operator(request: HttpRequest) -> User | None:
    """The staff user acting in the admin (the admin is closed to anyone else)."""
    return request.user if isinstance(request.user, User) else None


class UserSessionInline(admin.TabularInline):
    model = UserSession
    fields = ("device", "ip", "created_at", "last_seen_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    @admin.display(description=_("device"))
    def device(self, obj: UserSession) -> str:
        return user_agent_describe(obj.user_agent)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class MailhelperUserAdmin(UserAdmin):
    list_display = (
        "username",
        "email",
        "is_active",
        "is_staff",
        "two_factor",
        "locked",
        "last_login",
        "session_count",
    )
    list_filter = ("is_active", "is_staff", "is_superuser")
    readonly_fields = ("password_status", "two_factor", "locked", "last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("username", "password_status")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email", "language", "time_zone")}),
        (_("Security"), {"fields": ("two_factor", "locked")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    inlines = [UserSessionInline]
    actions = ["unlock", "reset_two_factor", "deactivate"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                has_totp=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
                sessions_total=Count("tracked_sessions", distinct=True),
            )
        )

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        return self.inlines if obj is not None else []

    @admin.display(description=_("password"))
    def password_status(self, obj: User) -> str:
        if obj.pk is None:
            return "-"
        state = _("set") if obj.has_usable_password() else _("not set")
        url = reverse("admin:auth_user_password_change", args=[obj.pk])
        return format_html('{} · <a href="{}">{}</a>', state, url, _("set a new password"))

    @admin.display(description=_("2FA"), boolean=True)
    def two_factor(self, obj: User) -> bool:
        value = getattr(obj, "has_totp", None)
        return (
            bool(value) if value is not None else TOTPDevice.objects.filter(user=obj, confirmed=True).exists()
        )

    @admin.display(description=_("locked until"))
    def locked(self, obj: User) -> str:
        until = user_lockout_until(user=obj)
        return timezone.localtime(until).strftime("%Y-%m-%d %H:%M") if until else "-"

    @admin.display(description=_("sessions"))
    def session_count(self, obj: User) -> int:
        return getattr(obj, "sessions_total", 0)

    @admin.action(description=_("Unlock (clear failed attempts and lockout)"))
    def unlock(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            lockout_release(user=user, actor=_operator(request), request=request)
        self.message_user(
            request, ngettext("%d user unlocked.", "%d users unlocked.", len(queryset)) % len(queryset)
        )

    @admin.action(description=_("Reset 2FA (they enrol again at the next login)"))
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            otp_reset(user=user, actor=_operator(request), request=request)
        self.message_user(
            request,
            ngettext("2FA reset for %d user.", "2FA reset for %d users.", len(queryset)) % len(queryset),
        )

    @admin.action(description=_("Deactivate (block login, end sessions)"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            user_deactivate(user=user, actor=_operator(request), request=request)
        self.message_user(
            request, ngettext("%d user deactivated.", "%d users deactivated.", len(queryset)) % len(queryset)
        )


@admin.register(Invite)
class InviteAdmin(admin.ModelAdmin):
    list_display = ("id", "email", "note", "created_by", "created_at", "expires_at", "used_at", "used_by")
    list_filter = ("used_at", "expires_at")
    search_fields = ("email", "note")
    fields = ("email", "note", "created_by", "created_at", "expires_at", "used_at", "used_by")
    readonly_fields = ("created_by", "created_at", "expires_at", "used_at", "used_by")

    def save_model(self, request: HttpRequest, obj: Invite, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        link = invite_create(created_by=_operator(request), email=obj.email, note=obj.note, request=request)
        obj.pk = link.invite.pk
        obj.refresh_from_db()
        self.message_user(
            request,
            format_html(
                "{} <code>{}</code>",
                _("Send this single-use link (it is shown only now):"),
                request.build_absolute_uri(link.path),
            ),
            level=messages.WARNING,
        )


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "username", "actor", "ip", "device")
    list_filter = ("kind", "created_at", "user")
    search_fields = ("username", "ip", "user__username", "actor__username")
    date_hierarchy = "created_at"
    readonly_fields = ("created_at", "kind", "user", "username", "actor", "ip", "user_agent", "detail")
    fields = readonly_fields

    @admin.display(description=_("device"))
    def device(self, obj: AuditEvent) -> str:
        return user_agent_describe(obj.user_agent) if obj.user_agent else "-"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Lockout)
class LockoutAdmin(admin.ModelAdmin):
    """Current and past locks of account names and client IPs; deleting one unlocks it."""

    list_display = ("scope", "key", "locked_until", "created_at")
    list_filter = ("scope",)
    search_fields = ("key",)
    readonly_fields = ("scope", "key", "locked_until", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


from accounts import mail_admin  # noqa: F401,E402
