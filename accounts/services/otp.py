"""Second factor: TOTP enrolment with QR code, single-use recovery codes, verification, operator reset."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import segno
from django.db import transaction
from django.http import HttpRequest
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditKind, User
from accounts.services.audit import audit_record

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery codes"


@dataclass(frozen=True)
class TotpEnrolment:
    """What the enrolment page shows: the QR code (a data: URI) and the key for manual entry."""

    device: TOTPDevice
    qr_data_uri: str
    manual_key: str
    otpauth_uri: str


def user_has_totp(*, user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_manual_key(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def totp_enrolment_start(*, user: User) -> TotpEnrolment:
    """The user's unconfirmed TOTP device (created once, reused on reload) and how to add it to an app."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    uri = device.config_url
    qr = segno.make(uri, error="m")
    return TotpEnrolment(
        device=device,
        qr_data_uri=qr.svg_data_uri(scale=5, border=2),
        manual_key=totp_manual_key(device),
        otpauth_uri=uri,
    )


def recovery_codes_regenerate(
    *, user: User, request: HttpRequest | None = None, audit: bool = True
) -> list[str]:
    """Replace the user's recovery codes with RECOVERY_CODE_COUNT new ones; the only time they are readable."""
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(
            user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    if audit:
        audit_record(kind=AuditKind.RECOVERY_CODES_REGENERATED, request=request, user=user)
    return codes


def recovery_codes_remaining(*, user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def totp_enrolment_confirm(
    *, user: User, device: TOTPDevice, token: str, request: HttpRequest | None = None
) -> list[str] | None:
    """Confirm the device with a code from the app; returns the fresh recovery codes, or None if wrong."""
    if device.user_id != user.pk or device.confirmed or not device.verify_token(_clean(token)):
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = recovery_codes_regenerate(user=user, request=request, audit=False)
    audit_record(kind=AuditKind.OTP_ENROLLED, request=request, user=user)
    return codes


def _clean(token: str) -> str:
    return "".join(token.split()).lower()


def otp_token_verify(*, user: User, token: str, request: HttpRequest | None = None) -> Device | None:
    """The device that accepts ``token``: a six-digit TOTP code or a single-use recovery code.

    Only the matching kind of device is asked, so a recovery code never counts as a wrong TOTP code
    in django-otp's own throttling (and vice versa).
    """
    token = _clean(token)
    if not token:
        return None
    if token.isdigit():
        for device in TOTPDevice.objects.filter(user=user, confirmed=True):
            if device.verify_token(token):
                return device
        return None
    for device in StaticDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(token):  # deletes the code: it works exactly once
            audit_record(
                kind=AuditKind.RECOVERY_CODE_USED,
                request=request,
                user=user,
                detail={"remaining": device.token_set.count()},
            )
            return device
    return None


def otp_reset(*, user: User, actor: User | None = None, request: HttpRequest | None = None) -> None:
    """An operator removes a user's second factor: they enrol again at their next login."""
    from accounts.services.sessions import sessions_revoke_all

    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
    audit_record(kind=AuditKind.OTP_RESET, request=request, user=user, actor=actor)
    sessions_revoke_all(user=user, actor=actor, request=request, reason="2fa reset")
