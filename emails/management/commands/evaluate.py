"""``manage.py evaluate``: the local analyzer's evaluations on the shared corpus (spam, newsletter,
calendar, embeddings)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from emails.analysis.report import PARTS, default_corpus_dir, evaluation_report


class Command(BaseCommand):
    help = "Evaluate spam/newsletter/calendar detection and the embedding models on the shared corpus."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--corpus", type=Path, default=None, help="corpus root (default ../shared/corpus)"
        )
        parser.add_argument("--only", choices=PARTS, action="append", help="run only these parts")
        parser.add_argument("--folds", type=int, default=5)

    def handle(self, *args: Any, **options: Any) -> None:
        corpus = options["corpus"] or default_corpus_dir()
        if not (corpus / "spam_ham").is_dir():
            self.stderr.write(f"no corpus at {corpus} (use --corpus or MAILHELPER_CORPUS)")
            return
        for line in evaluation_report(
            corpus_dir=corpus, parts=tuple(options["only"] or PARTS), folds=options["folds"]
        ):
            self.stdout.write(line)
