"""Where later pipeline stages attach: called after a sync batch has been committed."""

from __future__ import annotations

from collections.abc import Sequence


def messages_stored(message_ids: Sequence[int]) -> None:
    """New Message rows exist (committed). The triage pipeline will enqueue its work from here.

    Several rows may share one LogicalMessage (copies in several folders); stages work per logical
    message so each is analysed once. Does nothing yet.
    """
    return None
