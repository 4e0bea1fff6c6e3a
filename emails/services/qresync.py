"""QRESYNC (RFC 7162): the server says in its answer to SELECT what vanished and what changed flags.

A folder with stored state (UIDVALIDITY and HIGHESTMODSEQ) is selected with
``(QRESYNC (<uidvalidity> <highestmodseq>))``; the server answers with ``* VANISHED (EARLIER) <uid-set>``
for the messages expunged since then and ``* n FETCH (UID FLAGS MODSEQ)`` for those whose flags changed.
A re-sync of a changed folder then needs neither ``UID SEARCH 1:*`` (to find expunges) nor
``UID FETCH 1:* (FLAGS)``, whatever the folder's size.

This lives in its own module because IMAPClient's ``select_folder`` cannot send the parameter: the helpers
here drive imaplib underneath it (as ``sync.fetch_range`` does) and read the answers imaplib leaves in
``untagged_responses``. Once QRESYNC is enabled the server also reports expunges during the session as
``* VANISHED <uid-set>`` (never ``EXPUNGE``); ``session_vanished_pop`` collects those.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from imapclient.exceptions import ProtocolError
from imapclient.imapclient import IMAPClient
from imapclient.response_parser import parse_fetch_response

from emails.models import MailFolder, Message
from emails.services.storage import flags_normalize

logger = logging.getLogger(__name__)

UidRanges = list[tuple[int, int]]
_UID_SET = re.compile(r"[0-9]+(?::[0-9]+)?(?:,[0-9]+(?::[0-9]+)?)*")
_EARLIER = "(EARLIER)"


@dataclass(frozen=True)
class QresyncChanges:
    """What the server reported since the stored HIGHESTMODSEQ: vanished UIDs and current flags by UID."""

    vanished: UidRanges
    flags: dict[int, list[str]]


def qresync_enable(*, client: IMAPClient, capabilities: set[bytes]) -> bool:
    """``ENABLE QRESYNC`` (which enables CONDSTORE too) when offered; True when the server confirmed it."""
    if b"QRESYNC" not in capabilities or b"ENABLE" not in capabilities:
        return False
    return b"QRESYNC" in {bytes(name).upper() for name in client.enable("QRESYNC")}


def uid_set_parse(text: str) -> UidRanges:
    """``1:5,9,12:14`` as [(1, 5), (9, 9), (12, 14)]; ValueError for anything else."""
    if not _UID_SET.fullmatch(text):
        raise ValueError(f"not a UID set: {text[:80]!r}")
    ranges = []
    for part in text.split(","):
        low, _, high = part.partition(":")
        first, last = int(low), int(high or low)
        ranges.append((min(first, last), max(first, last)))  # RFC 3501 allows 14:12
    return ranges


def _vanished_parse(lines: Iterable[Any]) -> UidRanges:
    ranges: UidRanges = []
    for line in lines:
        text = (line.decode("ascii") if isinstance(line, bytes) else str(line)).strip()
        if text.upper().startswith(_EARLIER):
            text = text[len(_EARLIER) :].strip()
        ranges.extend(uid_set_parse(text))
    return ranges


def folder_select_qresync(
    *, client: IMAPClient, raw_name: str, uidvalidity: int, highestmodseq: int
) -> tuple[dict[bytes, Any], QresyncChanges | None]:
    """SELECT (read-write) with the stored state: (what ``select_folder`` returns, the changes).

    Raises imaplib's error when the server refuses the SELECT. The changes are None when the answer could
    not be read (the caller then falls back to the CONDSTORE path). A server whose UIDVALIDITY differs
    ignores the parameter, so the caller must compare UIDVALIDITY before using the changes. A folder the
    server only lets us read is selected as ``imap_session.folder_select`` selects it: its answer holds
    ``b"READ-ONLY"`` and its VANISHED and FETCH lines count as for any other folder.
    """
    imap = client._imap
    imap.untagged_responses = {}  # IMAPClient reads the first value of each key: stale answers would win
    imap.is_readonly = False
    tag = imap._command(
        "SELECT", client._normalise_folder(raw_name), f"(QRESYNC ({uidvalidity} {highestmodseq}))"
    )
    typ, data = imap._command_complete("SELECT", tag)
    if typ != "OK":
        imap.state = "AUTH"  # a failed SELECT leaves no folder selected
        client._checkok("select", typ, data)
    imap.state = "SELECTED"
    untagged = imap.untagged_responses
    # OK [READ-ONLY] still selected the folder; without this imaplib would refuse every later command.
    imap.is_readonly = "READ-ONLY" in untagged
    vanished_lines = untagged.pop("VANISHED", [])
    fetch_lines = untagged.pop("FETCH", [])  # else the next FETCH of ours would return them as its own
    info = client._process_select_response(untagged)
    try:
        vanished = _vanished_parse(vanished_lines)
        fetched = parse_fetch_response(fetch_lines, client.normalise_times, True)
    except (ValueError, ProtocolError) as exc:
        logger.warning("unreadable QRESYNC answer folder=%r: %s", raw_name, exc)
        return info, None
    flags = {
        int(uid): flags_normalize(values[b"FLAGS"]) for uid, values in fetched.items() if b"FLAGS" in values
    }
    return info, QresyncChanges(vanished=vanished, flags=flags)


def session_vanished_pop(*, client: IMAPClient) -> UidRanges:
    """UIDs the server reported expunged from the selected folder since it was selected."""
    lines = client._imap.untagged_responses.pop("VANISHED", [])
    try:
        return _vanished_parse(lines)
    except ValueError as exc:  # the next SELECT's VANISHED (EARLIER) reports them again
        logger.warning("unreadable VANISHED response: %s", exc)
        return []


def vanished_delete(*, folder: MailFolder, uidvalidity: int, ranges: UidRanges) -> int:
    """Delete the folder's local copies with a vanished UID; returns how many went.

    Only copies under ``uidvalidity`` with a real UID: the placeholder of a move of ours (uid < 0) and
    copies from before a UIDVALIDITY change are never matched. Nothing is ever deleted on the server.
    """
    deleted = 0
    for start in range(0, len(ranges), 500):
        match = Q()
        for low, high in ranges[start : start + 500]:
            match |= Q(uid=low) if low == high else Q(uid__range=(low, high))
        _total, by_model = Message.objects.filter(
            match, folder=folder, uidvalidity=uidvalidity, uid__gt=0
        ).delete()
        deleted += by_model.get(Message._meta.label, 0)
    return deleted
