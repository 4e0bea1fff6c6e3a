"""Folders, messages (with the logical message that survives moves), the user-action journal, sync runs."""

from emails.models.folder import FolderRole, MailFolder
from emails.models.message import LogicalMessage, Message
from emails.models.operations import OperationKind, OperationStatus, PendingOperation
from emails.models.sync import SyncRun, SyncRunStatus, SyncTrigger

__all__ = [
    "FolderRole",
    "LogicalMessage",
    "MailFolder",
    "Message",
    "OperationKind",
    "OperationStatus",
    "PendingOperation",
    "SyncRun",
    "SyncRunStatus",
    "SyncTrigger",
]
