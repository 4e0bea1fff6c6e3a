"""Operator command: import an mbox file into a user's local (serverless) account."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from emails.services.importing import ImportRefused, mbox_import


class Command(BaseCommand):
    help = "Import an mbox file into a user's local account (same parser and storage as the IMAP sync)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the mbox file")
        parser.add_argument("--user", required=True, help="user name of the owner")
        parser.add_argument("--account-name", default="Import", help='the local account (default "Import")')
        parser.add_argument("--folder", default="INBOX", help="folder to put the messages in (default INBOX)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"no user {options['user']!r}")
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        try:
            report = mbox_import(
                owner=user, path=path, account_name=options["account_name"], folder_name=options["folder"]
            )
        except ImportRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{path}: {report.summary()}")
