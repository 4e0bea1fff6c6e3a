"""Folders, messages (with the logical message that survives moves), the user-action journal, sync runs."""

from emails.models.ai_settings import AIProvider, AIProviderSettings
from emails.models.cloud_log import CloudRequestLog
from emails.models.content import MessageContent
from emails.models.embedding import MessageEmbedding
from emails.models.folder import FolderRole, MailFolder
from emails.models.message import LogicalMessage, Message
from emails.models.operations import OperationKind, OperationStatus, PendingOperation
from emails.models.processing import Processing, ProcessingStage
from emails.models.remote_images import RemoteImageAllowance as RemoteImageAllowance
from emails.models.search import MessageSearch
from emails.models.senders import SenderRule, SenderRuleKind
from emails.models.sync import SyncRun, SyncRunStatus, SyncTrigger
from emails.models.thread import Thread, ThreadKey, ThreadMembership
from emails.models.triage import Triage, TriageCategory, TriageColour

__all__ = [
    "AIProvider",
    "AIProviderSettings",
    "CloudRequestLog",
    "FolderRole",
    "LogicalMessage",
    "MailFolder",
    "Message",
    "MessageContent",
    "MessageEmbedding",
    "MessageSearch",
    "OperationKind",
    "OperationStatus",
    "PendingOperation",
    "Processing",
    "ProcessingStage",
    "SenderRule",
    "SenderRuleKind",
    "SyncRun",
    "SyncRunStatus",
    "SyncTrigger",
    "Thread",
    "ThreadKey",
    "ThreadMembership",
    "Triage",
    "TriageCategory",
    "TriageColour",
]
