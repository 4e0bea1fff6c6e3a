"""Operator command: search one user's mail from the shell, or build what search needs."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        'Search one user\'s mail: search --user NAME "query" [--mode hybrid|text|semantic] [--limit N]. '
        "--reindex indexes mail that has no search document yet, --threads (re)threads the user's mail."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "query", nargs="?", default="", help='web-search syntax: words, "a phrase", -word'
        )
        parser.add_argument("--user", required=True, help="user name; only this user's mail is searched")
        parser.add_argument("--mode", choices=["hybrid", "text", "semantic"], default="hybrid")
        parser.add_argument("--limit", type=int, default=20)
        parser.add_argument("--reindex", action="store_true", help="index this user's unindexed mail first")
        parser.add_argument("--threads", action="store_true", help="thread all of this user's mail first")

    def handle(self, *args: Any, **options: Any) -> None:
        from emails.models import LogicalMessage
        from emails.search.selectors import search_for_user
        from emails.search.services import search_index_missing
        from emails.threads.services import threads_assign

        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"no user {options['user']!r}")
        if options["reindex"]:
            total = 0
            while indexed := search_index_missing(owner_id=user.pk, limit=5000):
                total += indexed
            self.stdout.write(f"indexed {total} messages")
        if options["threads"]:
            ids = list(LogicalMessage.objects.filter(owner=user).values_list("pk", flat=True))
            for start in range(0, len(ids), 1000):
                threads_assign(owner_id=user.pk, logical_ids=ids[start : start + 1000])
            self.stdout.write(f"threaded {len(ids)} messages")
        if not options["query"]:
            if not (options["reindex"] or options["threads"]):
                raise CommandError("give a query (or --reindex / --threads)")
            return
        hits = search_for_user(
            user=user, query=options["query"], limit=options["limit"], mode=options["mode"]
        )
        if not hits:
            self.stdout.write("no results")
            return
        for hit in hits:
            when = hit.received_at.strftime("%Y-%m-%d %H:%M")
            self.stdout.write(
                f"{hit.rank:8.4f}  {hit.matched_by:<8}  {when}  #{hit.message_id:<7}  "
                f"{hit.sender[:40]:<40}  {hit.subject[:80]}"
            )
