"""Print the one-time first-run setup link while no user exists (the launcher calls this at start)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from accounts.services.setup import setup_token_issue, setup_url


class Command(BaseCommand):
    help = "Print a one-time setup URL for creating the first administrator (only while no user exists)."

    def handle(self, *args: Any, **options: Any) -> None:
        token = setup_token_issue()
        if token is None:
            self.stdout.write(
                "Setup is closed: users exist already. New users join by invite (see the admin)."
            )
            return
        self.stdout.write(
            self.style.WARNING("First-run setup: open this link to create the first administrator")
        )
        self.stdout.write(f"  {setup_url(token)}")
        self.stdout.write(f"  (token: {token}; valid once, replaced by the next `manage.py setup_token`)")
