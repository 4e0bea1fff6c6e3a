"""Create (idempotently) the demo user with 2FA enrolled and print how to log in. Development only."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.services.demo import DemoModeDisabled, demo_user_ensure


class Command(BaseCommand):
    help = "Demo mode only: ensure the demo user exists and print user name, password, a recovery code and the TOTP URI."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            credentials = demo_user_ensure()
        except DemoModeDisabled as error:
            raise CommandError(f"{error}; refusing to create a user with a printed password") from None
        self.stdout.write(self.style.WARNING("Demo user (development only):"))
        self.stdout.write(f"  user name:     {credentials.username}")
        self.stdout.write(f"  password:      {credentials.password}")
        self.stdout.write(
            f"  recovery code: {credentials.recovery_code}  (works once; or use the TOTP below)"
        )
        self.stdout.write(f"  TOTP:          {credentials.otpauth_uri}")
