"""Security state of the front door: invites, failed attempts and lockouts, tracked sessions, the audit log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Invite(models.Model):
    """A single-use, expiring registration link; only the SHA-256 of its token is stored."""

    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    email = models.EmailField(
        _("e-mail address"), blank=True, help_text=_("Optional: who the invite is meant for")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invites_created",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    used_by = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="invite_used"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invite")
        verbose_name_plural = _("invites")

    def __str__(self) -> str:
        return f"{_('invite')} #{self.pk} ({self.email or '-'})"

    def __repr__(self) -> str:  # never the token hash
        return f"<Invite {self.pk} used={self.used_at is not None}>"

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()


class LockScope(models.TextChoices):
    ACCOUNT = "account", _("account")
    IP = "ip", _("client IP")


class AuthFailure(models.Model):
    """One failed password or second-factor attempt, counted per account name and per client IP."""

    scope = models.CharField(max_length=10, choices=LockScope.choices)
    key = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["scope", "key", "created_at"], name="auth_failure_lookup")]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} {self.key} at {self.created_at:%Y-%m-%d %H:%M:%S}"


class Lockout(models.Model):
    """An account name or client IP that may not try again before ``locked_until``."""

    scope = models.CharField(max_length=10, choices=LockScope.choices)
    key = models.CharField(max_length=255)
    locked_until = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="lockout_unique_scope_key")]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} {self.key} until {self.locked_until:%Y-%m-%d %H:%M}"


class UserSession(models.Model):
    """Our own index of a user's logged-in sessions (``cached_db`` sessions cannot be listed per user)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tracked_sessions"
    )
    session_key = models.CharField(max_length=64, unique=True, editable=False)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=400, blank=True)
    created_at = models.DateTimeField(_("signed in"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen"), default=timezone.now)

    class Meta:
        ordering = ["-last_seen_at"]
        indexes = [models.Index(fields=["user", "last_seen_at"], name="user_session_by_user")]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self) -> str:
        return f"{self.ip or '-'} · {self.last_seen_at:%Y-%m-%d %H:%M}"

    def __repr__(self) -> str:  # the session key is a bearer secret
        return f"<UserSession {self.pk} user={self.user_id}>"


class AuditKind(models.TextChoices):
    LOGIN_SUCCEEDED = "login_succeeded", _("login succeeded")
    LOGIN_FAILED = "login_failed", _("login failed")
    LOGOUT = "logout", _("logout")
    LOCKOUT = "lockout", _("locked out")
    UNLOCKED = "unlocked", _("unlocked by an operator")
    OTP_FAILED = "otp_failed", _("second factor failed")
    OTP_ENROLLED = "otp_enrolled", _("2FA enrolled")
    OTP_RESET = "otp_reset", _("2FA reset")
    RECOVERY_CODE_USED = "recovery_code_used", _("recovery code used")
    RECOVERY_CODES_REGENERATED = "recovery_codes_regenerated", _("recovery codes regenerated")
    PASSWORD_CHANGED = "password_changed", _("password changed")
    PASSWORD_RESET_REQUESTED = "password_reset_requested", _("password reset requested")
    INVITE_CREATED = "invite_created", _("invite created")
    INVITE_USED = "invite_used", _("invite used")
    SESSION_REVOKED = "session_revoked", _("session revoked")
    SESSION_EXPIRED = "session_expired", _("session expired (idle)")
    USER_DEACTIVATED = "user_deactivated", _("user deactivated")
    SETUP_COMPLETED = "setup_completed", _("first administrator created")


class AuditEvent(models.Model):
    """One security event; append-only (the admin shows it read-only)."""

    kind = models.CharField(_("event"), max_length=40, choices=AuditKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    username = models.CharField(
        _("user name"), max_length=150, blank=True, help_text=_("As typed, for unknown users")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_actions",
    )
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=400, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "created_at"], name="audit_event_by_user")]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.kind} {self.username}"
