"""Run (or queue) the triage pipeline for unfinished messages."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from emails.models import Processing
from emails.models.processing import WORK_STAGES


class Command(BaseCommand):
    help = "Process unfinished messages here (default) or queue them for the workers (--queue)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--user", type=int, help="only this user id")
        parser.add_argument("--limit", type=int, default=1000)
        parser.add_argument("--queue", action="store_true", help="send tasks instead of working here")

    def handle(self, *args: Any, **options: Any) -> None:
        from emails.pipeline.services import logical_process, processing_enqueue, processing_sweep

        if options["queue"] and options["user"] is None:
            self.stdout.write(f"queued {processing_sweep()} messages")
            return
        rows = Processing.objects.filter(stage__in=WORK_STAGES).order_by("logical_id")
        if options["user"] is not None:
            rows = rows.filter(owner_id=options["user"])
        ids = list(rows.values_list("logical_id", flat=True)[: options["limit"]])
        if options["queue"]:
            self.stdout.write(f"queued {processing_enqueue(logical_ids=ids)} messages")
            return
        outcomes: dict[str, int] = {}
        for logical_id in ids:
            outcome = logical_process(logical_id=logical_id)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        summary = ", ".join(f"{k}={v}" for k, v in sorted(outcomes.items())) or "nothing to do"
        self.stdout.write(f"processed {len(ids)} messages: {summary}")
