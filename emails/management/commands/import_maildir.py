"""Operator command: import a Maildir (Maildir++ subfolders become folders) into a user's local account."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from emails.services.importing import ImportRefused, maildir_import


class Command(BaseCommand):
    help = (
        "Import a Maildir into a user's local account; Maildir++ subfolders (.Archive, .Lists.Python) "
        "become folders. Same parser and storage as the IMAP sync."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the Maildir (the directory holding cur/, new/, tmp/)")
        parser.add_argument("--user", required=True, help="user name of the owner")
        parser.add_argument("--account-name", default="Import", help='the local account (default "Import")')
        parser.add_argument(
            "--folder", default=None, help="folder for the top-level messages (default INBOX)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"no user {options['user']!r}")
        path = Path(options["path"])
        try:
            report = maildir_import(
                owner=user, path=path, account_name=options["account_name"], folder_name=options["folder"]
            )
        except ImportRefused as exc:
            raise CommandError(str(exc)) from None
        for name, count in sorted(report.folders.items()):
            self.stdout.write(f"  {name}: {count}")
        self.stdout.write(f"{path}: {report.summary()}")
