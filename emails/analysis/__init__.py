"""The local analysis stage: no LLM, CPU only, no Django models.

``local_analyze`` triages one parsed message from header signals, heuristics, calendar parts and the
user's learned classifiers; ``embed_texts`` gives local sentence embeddings; ``learning`` trains and
stores per-user classifiers in a signed format; ``spam_evaluate``/``newsletter_evaluate``/
``calendar_evaluate``/``embeddings_compare`` measure all of it on the shared corpus.
The embedding models load lazily, on first use.
"""

from emails.analysis.local import local_analyze
from emails.analysis.types import (
    CalendarInvite,
    Category,
    Deadline,
    FieldPrediction,
    LocalAnalysis,
    Metrics,
    Source,
)

__all__ = [
    "CalendarInvite",
    "Category",
    "Deadline",
    "FieldPrediction",
    "LocalAnalysis",
    "Metrics",
    "Source",
    "local_analyze",
]
