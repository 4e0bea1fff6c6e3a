"""The demo user of the launcher's demo mode (development only): log in within seconds."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.services.otp import RECOVERY_DEVICE_NAME, TOTP_DEVICE_NAME

DEMO_USERNAME = "demo"


class DemoModeDisabled(Exception):
    """settings.DEMO_MODE is off (it is on only in mailhelper.settings.dev)."""


@dataclass(frozen=True)
class DemoCredentials:
    username: str
    password: str
    recovery_code: str
    otpauth_uri: str

    def __repr__(self) -> str:
        return f"<DemoCredentials {self.username}>"


def demo_user_ensure() -> DemoCredentials:
    """Create the demo user once (with 2FA enrolled); each call sets a fresh password and adds one
    fresh recovery code, because only their hashes or single uses are kept."""
    if not getattr(settings, "DEMO_MODE", False):
        raise DemoModeDisabled("demo mode is off: the demo user exists only with mailhelper.settings.dev")
    password = "demo-" + secrets.token_urlsafe(12)
    with transaction.atomic():
        user, _ = User.objects.get_or_create(username=DEMO_USERNAME, defaults={"email": "demo@example.org"})
        user.set_password(password)
        user.is_active = True
        user.save()
        totp = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
        if totp is None:
            totp = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=True)
        static, _ = StaticDevice.objects.get_or_create(
            user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
        )
        code = StaticToken.random_token()
        StaticToken.objects.create(device=static, token=code)
        surplus = list(static.token_set.order_by("-pk").values_list("pk", flat=True)[10:])
        StaticToken.objects.filter(pk__in=surplus).delete()
    return DemoCredentials(
        username=user.username, password=password, recovery_code=code, otpauth_uri=totp.config_url
    )
