"""Send messages back through the pipeline (after a model or provider change); user corrections survive."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from emails.models import ProcessingStage
from emails.models.processing import WORK_STAGES


class Command(BaseCommand):
    help = "Reprocess messages by --user, --account, --message (logical id) or --all."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--user", type=int)
        parser.add_argument("--account", type=int)
        parser.add_argument("--message", type=int, action="append", help="logical message id (repeatable)")
        parser.add_argument("--all", action="store_true", dest="everything")
        parser.add_argument("--stage", default=ProcessingStage.PARSE, choices=list(WORK_STAGES))
        parser.add_argument("--now", action="store_true", help="process here instead of queueing")

    def handle(self, *args: Any, **options: Any) -> None:
        from emails.pipeline.services import logical_process, processing_reprocess

        if not (options["user"] or options["account"] or options["message"] or options["everything"]):
            raise CommandError("choose --user, --account, --message or --all")
        ids = processing_reprocess(
            user_id=options["user"],
            account_id=options["account"],
            logical_ids=options["message"],
            everything=options["everything"],
            stage=options["stage"],
            enqueue=not options["now"],
        )
        if options["now"]:
            for logical_id in ids:
                logical_process(logical_id=logical_id)
        self.stdout.write(f"reprocessing {len(ids)} messages from {options['stage']}")
