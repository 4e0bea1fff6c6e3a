"""Keeping the account's MailFolder rows in step with the server's LIST."""

from __future__ import annotations

import fnmatch
import imaplib
import logging
from dataclasses import dataclass

from django.db import transaction
from imapclient import imap_utf7
from imapclient.imapclient import IMAPClient

from accounts.models.mail_account import MailAccount
from emails.models import FolderRole, MailFolder

logger = logging.getLogger(__name__)

_SPECIAL_USE = {
    b"\\sent": FolderRole.SENT,
    b"\\trash": FolderRole.TRASH,
    b"\\junk": FolderRole.JUNK,
    b"\\drafts": FolderRole.DRAFTS,
    b"\\archive": FolderRole.ARCHIVE,
    b"\\all": FolderRole.ALL,
}
# Fallbacks by the last path segment, lower-cased, for servers without SPECIAL-USE.
_ROLE_NAMES = {
    FolderRole.SENT: {
        "sent",
        "sent items",
        "sent messages",
        "sent mail",
        "gesendet",
        "gesendete objekte",
        "gesendete elemente",
        "envoyés",
        "enviados",
        "inviata",
    },
    FolderRole.TRASH: {
        "trash",
        "deleted items",
        "deleted messages",
        "bin",
        "papierkorb",
        "gelöschte elemente",
        "gelöschte objekte",
        "corbeille",
        "papelera",
    },
    FolderRole.JUNK: {"junk", "spam", "junk e-mail", "junk email", "bulk mail", "unerwünscht"},
    FolderRole.DRAFTS: {"drafts", "draft", "entwürfe", "brouillons", "borradores"},
    FolderRole.ARCHIVE: {"archive", "archives", "archiv"},
    FolderRole.ALL: {"all mail", "alle nachrichten"},
}


@dataclass(frozen=True)
class ServerFolder:
    raw_name: str
    name: str
    delimiter: str
    flags: tuple[str, ...]
    is_selectable: bool
    role: str


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def folder_name_decode(raw_name: str) -> str:
    """The modified UTF-7 name as people read it; an undecodable name is shown as it is."""
    try:
        return imap_utf7.decode(raw_name.encode("ascii"))
    except (UnicodeError, ValueError):
        return raw_name


def folder_role_of(*, raw_name: str, name: str, delimiter: str, flags: tuple[bytes, ...]) -> str:
    lowered = {flag.lower() for flag in flags}
    for flag, role in _SPECIAL_USE.items():
        if flag in lowered:
            return role
    if raw_name.upper() == "INBOX":
        return FolderRole.INBOX
    leaf = (name.rsplit(delimiter, 1)[-1] if delimiter else name).strip().lower()
    for role, names in _ROLE_NAMES.items():
        if leaf in names:
            return role
    return FolderRole.NONE


def _patterns(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def folder_is_selected(*, account: MailAccount, name: str) -> bool:
    """Whether the account's include/exclude patterns (on decoded names, case-insensitive) pick ``name``."""
    include = _patterns(account.folder_include)
    exclude = _patterns(account.folder_exclude)
    lowered = name.lower()
    if include and not any(fnmatch.fnmatchcase(lowered, p.lower()) for p in include):
        return False
    return not any(fnmatch.fnmatchcase(lowered, p.lower()) for p in exclude)


def server_folders_list(*, client: IMAPClient) -> list[ServerFolder]:
    folders = []
    listing = client.list_folders()  # servers with SPECIAL-USE report roles as LIST flags
    for flags, delimiter, raw in listing:
        raw_name = _text(raw)
        delim = _text(delimiter)
        name = folder_name_decode(raw_name)
        flag_tuple = tuple(f if isinstance(f, bytes) else str(f).encode() for f in flags)
        selectable = not any(f.lower() in (b"\\noselect", b"\\nonexistent") for f in flag_tuple)
        folders.append(
            ServerFolder(
                raw_name=raw_name,
                name=name,
                delimiter=delim,
                flags=tuple(_text(f) for f in flag_tuple),
                is_selectable=selectable,
                role=folder_role_of(raw_name=raw_name, name=name, delimiter=delim, flags=flag_tuple),
            )
        )
    return folders


def folders_refresh(*, account: MailAccount, client: IMAPClient) -> list[MailFolder]:
    """Create, update and remove MailFolder rows to match LIST; returns the folders to sync.

    A folder renamed on the server keeps its row (and so its messages) when its UIDVALIDITY is unchanged,
    which is what servers do on RENAME. A folder gone from the server is removed with its copies of
    messages; the logical messages (and their history) stay. Folders the filter skips keep their stored
    mail: the filter decides what is fetched, never what is deleted.
    """
    server = server_folders_list(client=client)
    local = {f.raw_name: f for f in MailFolder.objects.filter(account=account)}
    server_names = {f.raw_name for f in server}
    vanished = [f for name, f in local.items() if name not in server_names]
    appeared = [f for f in server if f.raw_name not in local]

    # Rename detection: pair a vanished folder with a new one holding the same UIDVALIDITY.
    renamed: dict[str, MailFolder] = {}
    if vanished and appeared:
        by_validity = {f.uidvalidity: f for f in vanished if f.uidvalidity}
        for candidate in appeared:
            if not candidate.is_selectable:
                continue
            try:
                status = client.folder_status(candidate.raw_name, [b"UIDVALIDITY"])
            except imaplib.IMAP4.abort:
                raise
            except imaplib.IMAP4.error:  # a folder that vanished again between LIST and STATUS
                logger.info("folder gone before STATUS account=%s", account.pk)
                continue
            validity = status.get(b"UIDVALIDITY")
            if validity in by_validity:
                renamed[candidate.raw_name] = by_validity.pop(validity)

    with transaction.atomic():
        for folder in server:
            row = local.get(folder.raw_name) or renamed.get(folder.raw_name)
            selected = folder.is_selectable and folder_is_selected(account=account, name=folder.name)
            values = {
                "raw_name": folder.raw_name,
                "name": folder.name,
                "delimiter": folder.delimiter,
                "role": folder.role,
                "server_flags": list(folder.flags),
                "is_selectable": folder.is_selectable,
                "is_selected": selected,
            }
            if row is None:
                row = MailFolder.objects.create(owner_id=account.owner_id, account=account, **values)
                local[folder.raw_name] = row
            elif any(getattr(row, k) != v for k, v in values.items()):
                for key, value in values.items():
                    setattr(row, key, value)
                row.save(update_fields=[*values])
            if folder.raw_name in renamed:
                logger.info("folder renamed account=%s folder=%s to=%s", account.pk, row.pk, folder.name)
        renamed_ids = {f.pk for f in renamed.values()}
        gone = [f for f in vanished if f.pk not in renamed_ids]
        for stale in gone:
            _folder_forget(stale)
    by_name = {f.raw_name: f for f in MailFolder.objects.filter(account=account)}
    return [by_name[f.raw_name] for f in server if by_name[f.raw_name].is_selected]


def _folder_forget(folder: MailFolder) -> None:
    from emails.models import Message, PendingOperation

    logger.info("folder removed on the server account=%s folder=%s", folder.account_id, folder.pk)
    PendingOperation.objects.filter(target_folder=folder, status="pending").update(
        status="failed", error="the target folder was removed on the server"
    )
    Message.objects.filter(folder=folder).delete()
    folder.delete()
