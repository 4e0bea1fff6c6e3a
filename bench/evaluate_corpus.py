"""Print the local analyzer's evaluations: spam (k-fold, with and without list headers, and the
heuristics alone), newsletter flag, calendar invites, embedding models.

    .venv/bin/python bench/evaluate_corpus.py [--only spam|newsletter|calendar|embeddings ...] [--corpus DIR]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from emails.analysis.report import PARTS, default_corpus_dir, evaluation_report


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--only", choices=PARTS, action="append")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    started = time.perf_counter()
    for line in evaluation_report(
        corpus_dir=args.corpus or default_corpus_dir(), parts=tuple(args.only or PARTS), folds=args.folds
    ):
        print(line, flush=True)
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
