"""Development: write the demo mailbox into a pymap Maildir and (with --port) connect the demo user to it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from emails.demo.maildir import demo_maildir_write
from emails.demo.server import demo_account_ensure, demo_sync_request


class Command(BaseCommand):
    help = (
        "Write the generated demo mailbox (German and English mail) into a pymap Maildir and print how to "
        "serve it; with --port (pymap running there) give the demo user an account on it and sync it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", required=True, help="pymap's maildir base directory")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, help="the port pymap listens on")
        parser.add_argument(
            "--connect", action="store_true", help="give the demo user an account on the server and sync it"
        )
        parser.add_argument("--force", action="store_true", help="write the messages again")

    def handle(self, *args: Any, **options: Any) -> None:
        directory = Path(options["dir"]).resolve()
        box = demo_maildir_write(directory=directory, force=options["force"])
        state = "written" if box.written_now else "already there"
        self.stdout.write(f"Demo mailbox: {box.messages} messages in {directory} ({state})")
        port = options["port"]
        if port is None:
            self.stdout.write(
                f"  serve it with: pymap --host {options['host']} --port PORT --no-tls maildir {directory}"
            )
        else:
            self.stdout.write(f"  IMAP: {options['host']}:{port} (no TLS, loopback only)")
        self.stdout.write(f"  IMAP user name: {box.username}   password: {box.password}")
        if not options["connect"]:
            return
        if port is None:
            raise CommandError("--connect needs --port")
        if not getattr(settings, "DEMO_MODE", False):
            raise CommandError("demo mode is off: the demo account exists only with mailhelper.settings.dev")
        from accounts.models import User
        from accounts.services.demo import DEMO_USERNAME

        owner = User.objects.filter(username=DEMO_USERNAME).first()
        if owner is None:
            raise CommandError("no demo user yet: run manage.py demo_user first")
        account = demo_account_ensure(owner=owner, host=options["host"], port=port, password=box.password)
        queued = demo_sync_request(account=account)
        self.stdout.write(
            f"The demo mailbox is being synced into {owner.username}'s account "
            f"{account.name!r}{'' if queued else ' (a sync is already queued)'}; the dashboard fills within a minute."
        )
