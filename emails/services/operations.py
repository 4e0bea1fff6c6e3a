"""User actions on messages: applied locally at once, journalled, then reconciled with the server.

Every action is owner-checked, changes the local row in the same transaction that records a
PendingOperation, and bumps the row's ``local_version`` so a sync running at that moment cannot write
older server flags over it. The journal is pushed to the server under the account's sync lock (by
``operations_apply_task`` or at the start and end of every sync), so user actions and sync never talk to
the server at the same time. A failed operation is marked failed with its error and its local change is
rolled back, so the next sync shows the server's truth again. Moves (archive, trash) can be undone.
"""

from __future__ import annotations

import imaplib
import logging
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Least
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from imapclient.imapclient import IMAPClient

from accounts.models import User
from accounts.models.mail_account import AccountKind, MailAccount
from emails.models import FolderRole, MailFolder, Message, OperationKind, OperationStatus, PendingOperation
from emails.services.dashboard_cache import dashboard_invalidate
from emails.services.imap_session import folder_is_readonly, folder_select
from mailhelper.events import user_event_send

logger = logging.getLogger(__name__)

ACTION_FLAGS = {
    "mark_read": (OperationKind.FLAGS_ADD, "\\Seen"),
    "mark_unread": (OperationKind.FLAGS_REMOVE, "\\Seen"),
    "flag": (OperationKind.FLAGS_ADD, "\\Flagged"),
    "unflag": (OperationKind.FLAGS_REMOVE, "\\Flagged"),
}
ACTION_ROLES = {"archive": FolderRole.ARCHIVE, "trash": FolderRole.TRASH}


class ActionError(Exception):
    """The action cannot be done; ``str(exc)`` is shown to the user, in the language of the request that raised it."""


class MessageBusy(ActionError):
    """The message is in transit after a move; its new UID arrives with the next sync."""


class OperationsBusy(Exception):
    """A sync holds the account right now (it pushes the journal itself)."""


def _flag_fields(flags: list[str]) -> dict[str, Any]:
    return {
        "flags": sorted(set(flags)),
        "is_seen": "\\Seen" in flags,
        "is_flagged": "\\Flagged" in flags,
        "is_answered": "\\Answered" in flags,
        "is_draft": "\\Draft" in flags,
    }


def _pending_move(message: Message) -> PendingOperation | None:
    return (
        PendingOperation.objects.select_for_update()
        .filter(message=message, kind=OperationKind.MOVE, status=OperationStatus.PENDING)
        .first()
    )


def _server_location(message: Message) -> tuple[int | None, int | None, int | None]:
    """(folder id, UIDVALIDITY, UID) on the server; a pending move's source folder may have been deleted since."""
    move = _pending_move(message)
    if move is not None:
        return move.source_folder_id, move.source_uidvalidity, move.source_uid
    if message.uid > 0:
        return message.folder_id, message.uidvalidity, message.uid
    raise MessageBusy(_("This message is being moved; try again after the next sync."))


def _enqueue(account_id: int, user_id: int) -> None:
    from emails.tasks import operations_apply_task

    # Every journaled action (read/unread, flag, move, delete, undo) changes what the dashboard counts.
    dashboard_invalidate(user_id=user_id)
    if MailAccount.objects.filter(pk=account_id, kind=AccountKind.LOCAL).exists():
        operations_apply_local(account_id=account_id)  # no server: done in the action's transaction
        return
    transaction.on_commit(lambda: operations_apply_task.delay(account_id, user_id), robust=True)


def message_action(
    *, user: Any, message_id: int, action: str, target_folder_id: int | None = None
) -> PendingOperation | None:
    """Do ``action`` (mark_read, mark_unread, flag, unflag, move, archive, trash, delete) on a message.

    Raises Message.DoesNotExist for someone else's message (a 404 to views), ActionError when the action
    is impossible. Returns the journal entry (None when nothing had to change).
    """
    with transaction.atomic():
        message = Message.objects.select_for_update().select_related("folder").get(pk=message_id, owner=user)
        if action in ACTION_FLAGS:
            operation = _flags_change(message=message, action=action)
        elif action in ("move", *ACTION_ROLES):
            target = _target_folder(message=message, action=action, target_folder_id=target_folder_id)
            operation = _move(message=message, target=target)
        elif action == "delete":
            operation = _delete(message=message)
        else:
            raise ActionError(_("Unknown action “%(action)s”.") % {"action": action})
        if operation is not None:
            _enqueue(message.account_id, user.pk)
    return operation


def _flags_change(*, message: Message, action: str) -> PendingOperation | None:
    kind, flag = ACTION_FLAGS[action]
    has = flag in message.flags
    if (kind == OperationKind.FLAGS_ADD) == has:
        return None
    folder_id, uidvalidity, uid = _server_location(message)
    flags = (
        [*message.flags, flag] if kind == OperationKind.FLAGS_ADD else [f for f in message.flags if f != flag]
    )
    Message.objects.filter(pk=message.pk).update(local_version=F("local_version") + 1, **_flag_fields(flags))
    return PendingOperation.objects.create(
        owner_id=message.owner_id,
        account_id=message.account_id,
        message=message,
        logical_id=message.logical_id,
        kind=kind,
        flags=[flag],
        source_folder_id=folder_id,
        source_uidvalidity=uidvalidity,
        source_uid=uid,
    )


def _target_folder(*, message: Message, action: str, target_folder_id: int | None) -> MailFolder:
    folders = MailFolder.objects.filter(
        account_id=message.account_id, owner_id=message.owner_id, is_selectable=True
    )
    if action in ACTION_ROLES:
        target = folders.filter(role=ACTION_ROLES[action]).order_by("pk").first()
        if target is None:
            raise ActionError(
                _("This account has no “%(folder)s” folder.") % {"folder": ACTION_ROLES[action].label}
            )
        return target
    if target_folder_id is None:
        raise MailFolder.DoesNotExist("no such folder")
    target = folders.filter(pk=target_folder_id).first()
    if target is None:
        raise MailFolder.DoesNotExist("no such folder")
    return target


def _move(*, message: Message, target: MailFolder) -> PendingOperation | None:
    if message.folder_id == target.pk:
        return None
    pending = _pending_move(message)
    if pending is not None:  # still not on the server: change where it goes instead of moving twice
        if pending.source_folder_id == target.pk:
            _move_cancel(operation=pending, message=message)
            return pending
        pending.target_folder = target
        pending.save(update_fields=["target_folder"])
        _row_to_folder(message=message, folder=target)
        return pending
    folder_id, uidvalidity, uid = _server_location(message)
    operation = PendingOperation.objects.create(
        owner_id=message.owner_id,
        account_id=message.account_id,
        message=message,
        logical_id=message.logical_id,
        kind=OperationKind.MOVE,
        source_folder_id=folder_id,
        source_uidvalidity=uidvalidity,
        source_uid=uid,
        target_folder=target,
    )
    _row_to_folder(message=message, folder=target)
    return operation


def _row_to_folder(*, message: Message, folder: MailFolder) -> None:
    # The new UID is only known after the target folder's next sync: a negative placeholder keeps the
    # unique key free until then (the sync gives this row the real UID instead of inserting a new one).
    Message.objects.filter(pk=message.pk).update(
        folder=folder,
        uid=-message.pk,
        uidvalidity=folder.uidvalidity or 0,
        local_version=F("local_version") + 1,
    )


def _move_cancel(*, operation: PendingOperation, message: Message) -> None:
    Message.objects.filter(pk=message.pk).update(
        folder_id=operation.source_folder_id,
        uidvalidity=operation.source_uidvalidity,
        uid=operation.source_uid,
        local_version=F("local_version") + 1,
    )
    operation.status = OperationStatus.CANCELLED
    operation.save(update_fields=["status"])


def _delete(*, message: Message) -> PendingOperation:
    folder_id, uidvalidity, uid = _server_location(message)
    pending = _pending_move(message)
    if pending is not None:  # the move never happened on the server: delete from where it still is
        pending.status = OperationStatus.CANCELLED
        pending.save(update_fields=["status"])
    operation = PendingOperation.objects.create(
        owner_id=message.owner_id,
        account_id=message.account_id,
        message=None,
        logical_id=message.logical_id,
        kind=OperationKind.DELETE,
        source_folder_id=folder_id,
        source_uidvalidity=uidvalidity,
        source_uid=uid,
    )
    message.delete()
    return operation


def operation_undo(*, user: Any, operation_id: int) -> PendingOperation | None:
    """Undo a move, archive or trash: cancelled if still pending, otherwise moved back."""
    with transaction.atomic():
        operation = PendingOperation.objects.select_for_update().get(pk=operation_id, owner=user)
        if operation.kind != OperationKind.MOVE or operation.status not in (
            OperationStatus.PENDING,
            OperationStatus.APPLIED,
        ):
            raise ActionError(_("Only a move, archive or trash can be undone."))
        if operation.message_id is None:
            raise ActionError(_("The message no longer exists."))
        message = Message.objects.select_for_update().filter(pk=operation.message_id, owner=user).first()
        if message is None:
            raise ActionError(_("The message no longer exists."))
        if operation.status == OperationStatus.PENDING:
            _move_cancel(operation=operation, message=message)
            return operation
        source = (
            MailFolder.objects.filter(pk=operation.source_folder_id, owner=user).first()
            if operation.source_folder_id is not None
            else None
        )
        if source is None:
            raise ActionError(_("The original folder no longer exists."))
        undo = _move(message=message, target=source)
        if undo is not None:
            PendingOperation.objects.filter(pk=undo.pk).update(undo_of=operation)
            _enqueue(message.account_id, user.pk)
        return undo


# --- pushing the journal to the server ------------------------------------------------------------------


def operations_apply(*, account: MailAccount) -> int:
    """Push the account's pending operations (takes the sync lock; raises OperationsBusy if held)."""
    from emails.services.imap_session import imap_session
    from emails.services.sync import LockLost, sync_lock_held

    if not PendingOperation.objects.filter(account=account, status=OperationStatus.PENDING).exists():
        return 0
    if account.is_local:
        with transaction.atomic():
            return operations_apply_local(account_id=account.pk)
    with sync_lock_held(account_id=account.pk) as lock:
        if lock is None:
            raise OperationsBusy("a sync is running on this account")

        def keep_lock() -> None:
            from redis.exceptions import LockError

            try:
                lock.extend(60, replace_ttl=True)
            except LockError as exc:
                raise LockLost("lost the account lock") from exc

        with imap_session(account=account) as client:
            return operations_apply_with_client(account=account, client=client, keep_lock=keep_lock)


def operations_apply_local(*, account_id: int) -> int:
    """Complete the journal of a local (imported, serverless) account: the local change is the whole action.

    A moved row gets the next UID of its target folder in place of its placeholder; nothing connects
    anywhere. Runs inside the caller's transaction; returns how many entries were completed.
    """
    operations = list(
        PendingOperation.objects.select_for_update()
        .filter(account_id=account_id, status=OperationStatus.PENDING)
        .order_by("id")
    )
    for operation in operations:
        if operation.kind == OperationKind.MOVE and operation.message_id and operation.target_folder_id:
            target = MailFolder.objects.select_for_update().get(pk=operation.target_folder_id)
            uid = max(target.last_uid_seen, (target.uidnext or 1) - 1) + 1
            MailFolder.objects.filter(pk=target.pk).update(last_uid_seen=uid, uidnext=uid + 1)
            Message.objects.filter(pk=operation.message_id, folder_id=target.pk, uid__lt=0).update(
                uid=uid, uidvalidity=target.uidvalidity or 0
            )
    PendingOperation.objects.filter(pk__in=[op.pk for op in operations]).update(
        status=OperationStatus.APPLIED, applied_at=timezone.now(), attempts=F("attempts") + 1
    )
    return len(operations)


def operations_apply_with_client(
    *, account: MailAccount, client: IMAPClient, keep_lock: Callable[[], None]
) -> int:
    """Apply pending operations in order on an open connection; returns how many were applied."""
    operations = list(
        PendingOperation.objects.filter(account=account, status=OperationStatus.PENDING)
        .select_related("source_folder", "target_folder")
        .order_by("id")
    )
    if not operations:
        return 0
    capabilities = set(client.capabilities())
    selected: tuple[int, int, bool] | None = None  # folder id, UIDVALIDITY, read-only
    applied = 0
    for operation in operations:
        source = operation.source_folder
        if source is None or operation.source_uid is None:
            _operation_fail(operation, "the folder no longer exists")
            continue
        try:
            if selected is None or selected[0] != source.pk:
                info = folder_select(client=client, raw_name=source.raw_name)
                selected = (source.pk, int(info[b"UIDVALIDITY"]), folder_is_readonly(info))
            if selected[1] != operation.source_uidvalidity:
                _operation_fail(operation, "the folder was reset on the server (UIDVALIDITY changed)")
                continue
            if selected[2]:
                # Never try: Dovecot (on a maildir it cannot write) answered OK to a STORE it ignored and to a
                # MOVE that copied the message but could not remove it, leaving a second copy in the target.
                _operation_fail(operation, _readonly_error(operation=operation, folder=source))
                continue
            _operation_run(client=client, operation=operation, capabilities=capabilities)
        except imaplib.IMAP4.abort:
            raise
        except imaplib.IMAP4.error as exc:
            _operation_fail(operation, f"the server refused: {exc}")
            selected = None
            continue
        PendingOperation.objects.filter(pk=operation.pk, status=OperationStatus.PENDING).update(
            status=OperationStatus.APPLIED, applied_at=timezone.now(), attempts=F("attempts") + 1
        )
        applied += 1
        keep_lock()
    # No CLOSE: on a read-write folder it would expunge what other clients marked \Deleted.
    return applied


def _readonly_error(*, operation: PendingOperation, folder: MailFolder) -> str:
    """Why the action failed, in its owner's language (this runs in a worker, not in their request)."""
    language = User.objects.filter(pk=operation.owner_id).values_list("language", flat=True).first()
    with translation.override(language or settings.LANGUAGE_CODE):
        return _(
            "The folder “%(folder)s” is read-only on the server, so this change could not be made there and "
            "was undone."
        ) % {"folder": folder.name}


def _operation_run(*, client: IMAPClient, operation: PendingOperation, capabilities: set[bytes]) -> None:
    assert operation.source_uid is not None  # operations_apply_with_client fails those without one
    uid = [operation.source_uid]
    if operation.kind == OperationKind.FLAGS_ADD:
        client.add_flags(uid, [f.encode() for f in operation.flags], silent=True)
    elif operation.kind == OperationKind.FLAGS_REMOVE:
        client.remove_flags(uid, [f.encode() for f in operation.flags], silent=True)
    elif operation.kind == OperationKind.MOVE:
        target = operation.target_folder
        if target is None:
            raise imaplib.IMAP4.error("the target folder no longer exists")
        if b"MOVE" in capabilities:
            client.move(uid, target.raw_name)
        else:
            client.copy(uid, target.raw_name)
            client.add_flags(uid, [b"\\Deleted"], silent=True)
            _expunge_one(client, uid, capabilities)
    elif operation.kind == OperationKind.DELETE:
        client.add_flags(uid, [b"\\Deleted"], silent=True)
        _expunge_one(client, uid, capabilities)


def _expunge_one(client: IMAPClient, uid: list[int], capabilities: set[bytes]) -> None:
    if b"UIDPLUS" in capabilities:
        client.uid_expunge(uid)
    else:  # without UIDPLUS an EXPUNGE also removes what other clients marked \Deleted
        client.expunge()


def _operation_fail(operation: PendingOperation, error: str) -> None:
    """Mark the operation failed and undo its local change, so the server's state shows again."""
    logger.warning("operation failed op=%s kind=%s: %s", operation.pk, operation.kind, error)
    # The owner's open pages show the failure (and the undone change) without a reload.
    owner_id, operation_id = operation.owner_id, operation.pk
    transaction.on_commit(
        lambda: user_event_send(
            user_id=owner_id, event="operation.failed", data={"operation_id": operation_id}
        )
    )
    with transaction.atomic():
        PendingOperation.objects.filter(pk=operation.pk).update(
            status=OperationStatus.FAILED, error=error[:2000], attempts=F("attempts") + 1
        )
        message = (
            Message.objects.select_for_update().filter(pk=operation.message_id).first()
            if operation.message_id is not None
            else None
        )
        if operation.kind in (OperationKind.FLAGS_ADD, OperationKind.FLAGS_REMOVE) and message is not None:
            flags = set(message.flags)
            if operation.kind == OperationKind.FLAGS_ADD:
                flags -= set(operation.flags)
            else:
                flags |= set(operation.flags)
            Message.objects.filter(pk=message.pk).update(
                local_version=F("local_version") + 1, **_flag_fields(sorted(flags))
            )
        elif operation.kind == OperationKind.MOVE and message is not None and operation.source_folder_id:
            _move_cancel(operation=operation, message=message)
            PendingOperation.objects.filter(pk=operation.pk).update(status=OperationStatus.FAILED)
        elif operation.kind == OperationKind.DELETE and operation.source_folder_id and operation.source_uid:
            # The copy is still on the server: let the next sync fetch it again.
            MailFolder.objects.filter(pk=operation.source_folder_id).update(
                last_uid_seen=Least(F("last_uid_seen"), operation.source_uid - 1)
            )


def failed_operations_dismiss(*, user: Any, operation_ids: Sequence[int] | None = None) -> int:
    """The owner has read these failures (all, without ids): forget them. Their local change was undone
    when they failed, so nothing else changes."""
    rows = PendingOperation.objects.filter(owner=user, status=OperationStatus.FAILED)
    if operation_ids is not None:
        rows = rows.filter(pk__in=list(operation_ids))
    return rows.delete()[1].get(PendingOperation._meta.label, 0)
