"""Importing mail exports (mbox, Maildir/Maildir++) into a user's local account.

A local account has no server: its folders get a synthetic UIDVALIDITY and ascending UIDs, and the
messages go through the same parser and storage path as synced mail (``batch_store``), so they are
queued for the triage pipeline the same way. Files are streamed one message at a time; a message that
does not parse is stored with its warnings, never dropped. Importing the same export again skips what a
folder already holds (same fingerprint, the parser's Message-ID plus normalised content).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from django.db import transaction

from accounts.models.mail_account import AccountKind, MailAccount
from emails.models import FolderRole, MailFolder, Message
from emails.parsing import message_parse
from emails.services.folders import folder_name_decode, folder_role_of
from emails.services.storage import FetchedMessage, batch_store

logger = logging.getLogger(__name__)

IMPORT_BATCH_SIZE = 200
LOCAL_DELIMITER = "/"
# Folders every local account has, so archive and trash work on imported mail.
LOCAL_STANDARD_FOLDERS = ("INBOX", "Archive", "Trash")
# An mbox separator: "From <sender> <asctime date>" (a time and a year somewhere after the sender).
_MBOX_SEPARATOR = re.compile(rb"^From \S+ .*\d{1,2}:\d{2}.*\d{4}")
_MAILDIR_FLAGS = {"S": "\\Seen", "R": "\\Answered", "F": "\\Flagged", "D": "\\Draft"}


class ImportRefused(Exception):
    """The import cannot go ahead (e.g. the account name belongs to an IMAP account)."""


@dataclass(frozen=True)
class ImportItem:
    """One message read from an export, before it gets a UID."""

    raw: bytes
    flags: tuple[str, ...] = ()
    internal_date: datetime | None = None


@dataclass
class ImportReport:
    account_id: int
    imported: int = 0
    duplicates: int = 0
    with_warnings: int = 0
    folders: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        return (
            f"imported {self.imported}, skipped {self.duplicates} as duplicates, "
            f"{self.with_warnings} with warnings"
        )


# --- the account and its folders -----------------------------------------------------------------------


def local_account_ensure(*, owner: Any, name: str = "Import") -> MailAccount:
    """The owner's local account called ``name`` (created with INBOX, Archive and Trash when missing)."""
    with transaction.atomic():
        account, created = MailAccount.objects.get_or_create(
            owner=owner,
            name=name,
            defaults={
                "kind": AccountKind.LOCAL,
                "imap_host": "",
                "imap_port": 0,
                "username": "",
                "email_address": getattr(owner, "email", "") or "",
            },
        )
        if account.kind != AccountKind.LOCAL:
            raise ImportRefused(f"the account {name!r} is an IMAP account; choose another --account-name")
        if account.deleting:
            raise ImportRefused(f"the account {name!r} is being deleted")
        for folder_name in LOCAL_STANDARD_FOLDERS:
            local_folder_ensure(account=account, name=folder_name)
    if created:
        logger.info("local account created account=%s", account.pk)
    return account


def local_folder_ensure(*, account: MailAccount, name: str) -> MailFolder:
    """A folder of a local account; its UIDVALIDITY is made up once, its UIDs count up from 1."""
    raw_name = "INBOX" if name.upper() == "INBOX" else name
    folder = MailFolder.objects.filter(account=account, raw_name=raw_name).first()
    if folder is not None:
        return folder
    role = folder_role_of(raw_name=raw_name, name=raw_name, delimiter=LOCAL_DELIMITER, flags=())
    if role == FolderRole.INBOX and raw_name != "INBOX":
        role = FolderRole.NONE
    folder, _ = MailFolder.objects.get_or_create(
        account=account,
        raw_name=raw_name,
        defaults={
            "owner_id": account.owner_id,
            "name": raw_name,
            "delimiter": LOCAL_DELIMITER,
            "role": role,
            "uidvalidity": int(time.time()),
            "uidnext": 1,
        },
    )
    return folder


# --- storing --------------------------------------------------------------------------------------------


def _fingerprint(raw: bytes) -> tuple[str, bool]:
    """The storage fingerprint of a message and whether parsing it produced warnings."""
    parsed = message_parse(raw=raw)
    fingerprint = parsed.fingerprint or "raw:" + hashlib.blake2b(raw, digest_size=16).hexdigest()
    return fingerprint, bool(parsed.warnings) or not parsed.is_structure_parsed


def folder_import(
    *,
    folder: MailFolder,
    items: Iterable[ImportItem],
    report: ImportReport,
    batch_size: int = IMPORT_BATCH_SIZE,
) -> None:
    """Store ``items`` into a local folder in batches, skipping what the folder already holds."""
    uidvalidity = folder.uidvalidity
    if uidvalidity is None:
        raise ImportRefused("not a local folder")
    known = set(
        Message.objects.filter(folder=folder).values_list("logical__fingerprint", flat=True).iterator()
    )
    next_uid = max(folder.last_uid_seen, (folder.uidnext or 1) - 1) + 1
    batch: list[FetchedMessage] = []

    def flush() -> None:
        nonlocal batch
        if not batch:
            return
        last = batch[-1].uid
        batch_store(
            folder=folder,
            uidvalidity=uidvalidity,
            items=batch,
            state={"last_uid_seen": last, "uidnext": last + 1},
        )
        folder.uidnext = last + 1
        batch = []

    for item in items:
        fingerprint, has_warnings = _fingerprint(item.raw)
        if fingerprint in known:
            report.duplicates += 1
            continue
        known.add(fingerprint)
        if has_warnings:
            report.with_warnings += 1
            logger.warning("imported message has parse warnings folder=%s uid=%s", folder.pk, next_uid)
        batch.append(
            FetchedMessage(
                uid=next_uid,
                raw=item.raw,
                flags=item.flags,
                internal_date=item.internal_date,
                size=len(item.raw),
                modseq=None,
            )
        )
        next_uid += 1
        report.imported += 1
        report.folders[folder.name] = report.folders.get(folder.name, 0) + 1
        if len(batch) >= batch_size:
            flush()
    flush()


# --- mbox -----------------------------------------------------------------------------------------------


def _mbox_from_line_date(line: bytes) -> datetime | None:
    """The date of an mbox separator ("From sender Mon Jan  1 10:00:00 2024"), None if unreadable."""
    words = line.decode("latin-1").split()
    try:
        return datetime.strptime(" ".join(words[2:7]), "%a %b %d %H:%M:%S %Y").replace(tzinfo=UTC)
    except ValueError:
        return None


def _mbox_message(lines: list[bytes], from_line: bytes | None) -> ImportItem:
    # The separator's blank line belongs to the mbox, not the message.
    while lines and lines[-1] in (b"\n", b"\r\n"):
        lines.pop()
    flags: set[str] = set()
    body: list[bytes] = []
    in_headers = True
    for line in lines:
        if in_headers:
            if line in (b"\n", b"\r\n"):
                in_headers = False
            else:
                lowered = line.lower()
                if lowered.startswith(b"status:") and b"r" in line[7:].lower():
                    flags.add("\\Seen")
                elif lowered.startswith(b"x-status:"):
                    value = line[9:]
                    if b"A" in value:
                        flags.add("\\Answered")
                    if b"F" in value:
                        flags.add("\\Flagged")
        else:
            stripped = line.lstrip(b">")
            # mboxrd quoting: ">From " (and ">>From ") lose one ">" on the way out.
            if stripped.startswith(b"From ") and len(stripped) < len(line):
                line = line[1:]
        body.append(line)
    return ImportItem(
        raw=b"".join(body),
        flags=tuple(sorted(flags)),
        internal_date=_mbox_from_line_date(from_line) if from_line else None,
    )


def mbox_messages(stream: BinaryIO) -> Iterator[ImportItem]:
    """Messages of an mbox file, one at a time (CRLF or LF; mboxrd/mboxo "From " quoting undone).

    A new message starts at a "From " line at the top of the file or after a blank line; a "From " line
    anywhere else is kept as text (unquoted writers exist). Header lines quoted with ">" stay as written.
    """
    lines: list[bytes] = []
    from_line: bytes | None = None
    previous_blank = True
    started = False
    for line in stream:
        if line.startswith(b"From ") and previous_blank and (not started or _MBOX_SEPARATOR.match(line)):
            if started:
                yield _mbox_message(lines, from_line)
            lines, from_line, started = [], line, True
            previous_blank = False
            continue
        if not started:  # no separator at the top: treat the file as one message
            started = True
        lines.append(line)
        previous_blank = line in (b"\n", b"\r\n")
    if started and (lines or from_line):
        yield _mbox_message(lines, from_line)


def mbox_import(
    *, owner: Any, path: Path, account_name: str = "Import", folder_name: str = "INBOX"
) -> ImportReport:
    """Import one mbox file into ``folder_name`` of the owner's local account."""
    account = local_account_ensure(owner=owner, name=account_name)
    folder = local_folder_ensure(account=account, name=folder_name)
    report = ImportReport(account_id=account.pk)
    with path.open("rb") as stream:
        folder_import(folder=folder, items=mbox_messages(stream), report=report)
    logger.info("mbox imported account=%s %s", account.pk, report.summary())
    return report


# --- Maildir --------------------------------------------------------------------------------------------


def _maildir_items(path: Path) -> Iterator[ImportItem]:
    """Messages of one Maildir folder (new/ then cur/, by file name); flags from the ":2,FRS" suffix."""
    for sub in ("new", "cur"):
        directory = path / sub
        if not directory.is_dir():
            continue
        for name in sorted(os.listdir(directory)):
            if name.startswith("."):
                continue
            file = directory / name
            try:
                raw = file.read_bytes()
                mtime = file.stat().st_mtime
            except (FileNotFoundError, IsADirectoryError):  # taken away while we read
                continue
            info = ""
            for colon in (":2,", "!2,", ";2,"):
                if colon in name:
                    info = name.split(colon, 1)[1]
                    break
            flags = sorted({_MAILDIR_FLAGS[c] for c in info if c in _MAILDIR_FLAGS})
            yield ImportItem(raw=raw, flags=tuple(flags), internal_date=datetime.fromtimestamp(mtime, tz=UTC))


def _maildir_folders(root: Path) -> list[tuple[str, Path]]:
    """(folder name, path) for the top level and every Maildir++ subfolder (".A.B" becomes "A/B")."""
    out: list[tuple[str, Path]] = [("INBOX", root)]
    for entry in sorted(root.iterdir()):
        if not entry.name.startswith(".") or entry.name in (".", "..") or not entry.is_dir():
            continue
        if not (entry / "cur").is_dir() and not (entry / "new").is_dir():
            continue
        parts = [folder_name_decode(p) for p in entry.name.split(".") if p]
        if parts:
            out.append((LOCAL_DELIMITER.join(parts), entry))
    return out


def maildir_import(
    *, owner: Any, path: Path, account_name: str = "Import", folder_name: str | None = None
) -> ImportReport:
    """Import a Maildir (with Maildir++ subfolders) into the owner's local account.

    ``folder_name`` puts the top-level messages there instead of INBOX (subfolders keep their names).
    """
    if not (path / "cur").is_dir() and not (path / "new").is_dir():
        raise ImportRefused(f"{path} is not a Maildir (no cur/ or new/)")
    account = local_account_ensure(owner=owner, name=account_name)
    report = ImportReport(account_id=account.pk)
    for name, folder_path in _maildir_folders(path):
        target = folder_name if (name == "INBOX" and folder_name) else name
        folder = local_folder_ensure(account=account, name=target)
        folder_import(folder=folder, items=_maildir_items(folder_path), report=report)
    logger.info("maildir imported account=%s %s", account.pk, report.summary())
    return report
