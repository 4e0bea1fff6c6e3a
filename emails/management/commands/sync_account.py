"""Operator command: sync one account, or every account of one user, now and in this process."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.models.mail_account import MailAccount
from emails.models import SyncTrigger
from emails.services.imap_session import AuthenticationFailed, ServerUnavailable
from emails.services.sync import account_sync


class Command(BaseCommand):
    help = (
        "Sync mail accounts now: --account ID (repeatable) or --user USERNAME (all of that user's accounts)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--account", type=int, action="append", default=[], help="mail account id")
        parser.add_argument("--user", help="user name: sync all of this user's enabled accounts")
        parser.add_argument(
            "--include-reauth", action="store_true", help="also try accounts marked needs_reauth"
        )

    def handle(self, *args, **options):
        accounts = MailAccount.objects.none()
        if options["account"]:
            accounts = MailAccount.objects.filter(pk__in=options["account"])
            missing = set(options["account"]) - set(accounts.values_list("pk", flat=True))
            if missing:
                raise CommandError(f"no mail account with id {sorted(missing)}")
        elif options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"no user {options['user']!r}")
            accounts = MailAccount.objects.filter(owner=user, enabled=True)
        else:
            raise CommandError("give --account ID or --user USERNAME")
        if not options["include_reauth"]:
            accounts = accounts.filter(needs_reauth=False)
        failures = 0
        for account in accounts.order_by("pk"):
            try:
                report = account_sync(account=account, trigger=SyncTrigger.OPERATOR)
            except AuthenticationFailed as exc:
                failures += 1
                self.stderr.write(f"account {account.pk}: authentication failed, marked needs_reauth: {exc}")
                continue
            except ServerUnavailable as exc:
                failures += 1
                self.stderr.write(f"account {account.pk}: server unavailable: {exc}")
                continue
            self.stdout.write(
                f"account {account.pk}: {report.status} folders={report.folders} new={report.new} "
                f"updated={report.updated} deleted={report.deleted}"
                + (" (more to come)" if report.has_more else "")
            )
        if failures:
            raise CommandError(f"{failures} account(s) failed")
