"""Where later pipeline stages attach: called after a sync batch has been committed."""

from __future__ import annotations

import logging
from collections.abc import Sequence

logger = logging.getLogger(__name__)


def messages_stored(message_ids: Sequence[int]) -> None:
    """New Message rows exist (committed): queue the triage pipeline for their logical messages.

    Several rows may share one LogicalMessage (copies in several folders); stages work per logical
    message so each is analysed once. Never raises into the sync: a failure here leaves the processing
    rows for the sweeper (``processing_sweep_task``), which also creates rows for messages that have none.
    """
    from emails.pipeline.services import messages_stored_enqueue

    try:
        messages_stored_enqueue(message_ids=message_ids)
    except Exception:
        logger.exception(
            "queueing the pipeline failed for %s messages; the sweeper will catch up", len(message_ids)
        )
