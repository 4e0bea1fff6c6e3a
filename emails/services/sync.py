"""The sync engine: bring the local copy of every selected folder of an account in step with the server.

One sync per account at a time (a Redis lock that expires if the worker dies and is extended after every
batch); per folder one SELECT, a UIDVALIDITY check, new mail by UID above the last seen one,
a newest-first backfill on a first sync, expunges mirrored and flags kept in step. How the last two are
found depends on the server: with QRESYNC the SELECT itself carries the folder's stored state and the
server answers with what vanished and what changed (``emails/services/qresync.py``); with CONDSTORE only,
a ``UID FETCH 1:* (FLAGS) (CHANGEDSINCE …)`` and, when the counts differ, a ``UID SEARCH 1:*``; without
either, a full flag scan and the same search. Every batch is committed with the folder's cursors, so a
crash resumes without fetching stored mail again. See docs/sync.md.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from imapclient.imapclient import IMAPClient
from redis.exceptions import LockError

from accounts.models.mail_account import MailAccount
from emails.models import MailFolder, Message, OperationStatus, SyncRun, SyncRunStatus, SyncTrigger
from emails.services.dashboard_cache import dashboard_invalidate
from emails.services.folders import folders_refresh
from emails.services.imap_session import (
    AuthenticationFailed,
    ServerRefused,
    ServerUnavailable,
    SyncError,
    folder_is_readonly,
    folder_select,
    imap_session,
)
from emails.services.qresync import (
    QresyncChanges,
    folder_select_qresync,
    qresync_enable,
    session_vanished_pop,
    vanished_delete,
)
from emails.services.storage import FetchedMessage, batch_store, flags_normalize
from mailhelper.typing import locking_cache

logger = logging.getLogger(__name__)

FETCH_ITEMS = [b"UID", b"FLAGS", b"INTERNALDATE", b"RFC822.SIZE", b"BODY.PEEK[]"]
ProgressSink = Callable[[str, dict[str, Any]], None]


class LockLost(SyncError):
    """Our sync lock expired and someone else holds it now: stop without writing more."""


@dataclass
class SyncReport:
    status: str
    run_id: int | None = None
    folders: int = 0
    new: int = 0
    updated: int = 0
    deleted: int = 0
    has_more: bool = False
    errors: list[str] = field(default_factory=list)

    @classmethod
    def skipped(cls) -> SyncReport:
        return cls(status="skipped")


@dataclass
class _RunContext:
    account: MailAccount
    lock: Any
    progress: ProgressSink | None
    report: SyncReport
    condstore: bool
    deadline: float
    qresync: bool = False
    done: int = 0
    total: int = 0

    def keep_lock(self) -> None:
        try:
            self.lock.extend(settings.SYNC_LOCK_SECONDS, replace_ttl=True)
        except LockError as exc:
            raise LockLost("the sync lock expired while this sync was running") from exc

    def emit(self, folder: MailFolder) -> None:
        if self.progress is not None:
            self.progress(
                "sync.progress",
                {
                    "account_id": self.account.pk,
                    "done": self.done,
                    "total": self.total,
                    "folder": folder.name,
                },
            )


def sync_lock_key(account_id: int) -> str:
    return f"sync:{account_id}"


def channel_progress(user_id: int) -> ProgressSink:
    """Progress events to the user's browser tabs; a failing channel layer never fails a sync."""
    from mailhelper.events import user_event_send

    def send(event: str, data: dict[str, Any]) -> None:
        try:
            user_event_send(user_id=user_id, event=event, data=data)
        except Exception:  # live updates are best effort
            logger.debug("progress event not sent", exc_info=True)

    return send


def account_sync(
    *,
    account: MailAccount,
    trigger: str = SyncTrigger.SCHEDULE,
    progress: ProgressSink | None = None,
    time_budget: float | None = None,
) -> SyncReport:
    """Sync every selected folder of ``account``; returns at once (status "skipped") if a sync is running.

    Raises AuthenticationFailed (the account is then marked ``needs_reauth``) or ServerUnavailable
    (transient: retry later); both are also recorded on the account and the SyncRun.
    """
    if account.is_local:  # imported mail has no server
        return SyncReport.skipped()
    lock = locking_cache(cache).lock(sync_lock_key(account.pk), timeout=settings.SYNC_LOCK_SECONDS)
    if not lock.acquire(blocking=False):
        return SyncReport.skipped()
    try:
        return _account_sync_locked(
            account=account, lock=lock, trigger=trigger, progress=progress, time_budget=time_budget
        )
    finally:
        with contextlib.suppress(LockError):
            lock.release()


def _account_sync_locked(
    *, account: MailAccount, lock: Any, trigger: str, progress: ProgressSink | None, time_budget: float | None
) -> SyncReport:
    started = timezone.now()
    run = SyncRun.objects.create(owner_id=account.owner_id, account=account, trigger=trigger)
    MailAccount.objects.filter(pk=account.pk).update(last_sync_started_at=started)
    report = SyncReport(status=SyncRunStatus.RUNNING, run_id=run.pk)
    if progress:
        progress("sync.started", {"account_id": account.pk, "run_id": run.pk})
    budget = settings.SYNC_BACKFILL_SECONDS_PER_RUN if time_budget is None else time_budget
    try:
        with imap_session(account=account) as client:
            capabilities = set(client.capabilities())
            qresync = qresync_enable(client=client, capabilities=capabilities)  # CONDSTORE comes with it
            condstore = qresync or b"CONDSTORE" in capabilities or b"QRESYNC" in capabilities
            if condstore and not qresync and b"ENABLE" in capabilities:
                client.enable("CONDSTORE")
            context = _RunContext(
                account=account,
                lock=lock,
                progress=progress,
                report=report,
                condstore=condstore,
                deadline=time.monotonic() + budget,
                qresync=qresync,
            )
            _operations_push(account=account, client=client, context=context)
            for folder in folders_refresh(account=account, client=client):
                context.keep_lock()
                _folder_sync(client=client, folder=folder, context=context)
                report.folders += 1
            _operations_push(account=account, client=client, context=context)
    except AuthenticationFailed as exc:
        _run_fail(run=run, report=report, error=str(exc), progress=progress)
        account_mark_needs_reauth(account=account, error=str(exc))
        raise
    except LockLost as exc:
        _run_fail(run=run, report=report, error=str(exc), progress=progress)
        return report
    except (ServerUnavailable, ServerRefused) as exc:
        _run_fail(run=run, report=report, error=str(exc), progress=progress)
        _account_failure_record(account=account, error=str(exc))
        raise
    except (TimeoutError, OSError, imaplib.IMAP4.abort, EOFError) as exc:
        error = f"connection lost: {exc.__class__.__name__}: {exc}"
        _run_fail(run=run, report=report, error=error, progress=progress)
        _account_failure_record(account=account, error=error)
        raise ServerUnavailable(error) from exc
    except imaplib.IMAP4.error as exc:
        error = f"server refused a command: {exc}"
        _run_fail(run=run, report=report, error=error, progress=progress)
        _account_failure_record(account=account, error=error)
        raise ServerUnavailable(error) from exc
    report.status = SyncRunStatus.PARTIAL if report.has_more else SyncRunStatus.SUCCEEDED
    SyncRun.objects.filter(pk=run.pk).update(
        status=report.status,
        finished_at=timezone.now(),
        folders_synced=report.folders,
        messages_new=report.new,
        messages_updated=report.updated,
        messages_deleted=report.deleted,
    )
    MailAccount.objects.filter(pk=account.pk).update(
        last_success_at=timezone.now(), last_error="", consecutive_failures=0
    )
    if report.new or report.updated or report.deleted:
        dashboard_invalidate(user_id=account.owner_id)  # flags and expunges change the counts
    if progress:
        progress(
            "sync.finished",
            {
                "account_id": account.pk,
                "run_id": run.pk,
                "new": report.new,
                "updated": report.updated,
                "deleted": report.deleted,
                "has_more": report.has_more,
            },
        )
    return report


def _run_fail(*, run: SyncRun, report: SyncReport, error: str, progress: ProgressSink | None) -> None:
    report.status = SyncRunStatus.FAILED
    report.errors.append(error)
    SyncRun.objects.filter(pk=run.pk).update(
        status=SyncRunStatus.FAILED,
        finished_at=timezone.now(),
        error=error[:2000],
        folders_synced=report.folders,
        messages_new=report.new,
        messages_updated=report.updated,
        messages_deleted=report.deleted,
    )
    if progress:
        progress("sync.failed", {"account_id": run.account_id, "run_id": run.pk, "error": error[:300]})


def _account_failure_record(*, account: MailAccount, error: str) -> None:
    MailAccount.objects.filter(pk=account.pk).update(
        last_error=error[:2000], consecutive_failures=F("consecutive_failures") + 1
    )


def account_mark_needs_reauth(*, account: MailAccount, error: str) -> None:
    """Stop scheduling the account until the user enters working credentials again."""
    MailAccount.objects.filter(pk=account.pk).update(
        needs_reauth=True, last_error=error[:2000], consecutive_failures=F("consecutive_failures") + 1
    )
    logger.warning("account needs re-authentication account=%s", account.pk)


# --- one folder ----------------------------------------------------------------------------------------


def _folder_sync(*, client: IMAPClient, folder: MailFolder, context: _RunContext) -> None:
    changes: QresyncChanges | None = None
    try:
        # SELECT, not EXAMINE: BODY.PEEK[] leaves \Seen alone either way, and a read-write SELECT lets a
        # Maildir server move delivered mail out of new/ (with EXAMINE Dovecot rescans new/ every time:
        # 0.4 s per SELECT at 10k messages). We never CLOSE, so nothing is expunged by us. A folder the
        # server answers with [READ-ONLY] is synced like the others: nothing below writes to it.
        if context.qresync and folder.uidvalidity and folder.highestmodseq:
            info, changes = folder_select_qresync(
                client=client,
                raw_name=folder.raw_name,
                uidvalidity=folder.uidvalidity,
                highestmodseq=folder.highestmodseq,
            )
        else:
            info = folder_select(client=client, raw_name=folder.raw_name)
    except imaplib.IMAP4.abort:
        raise
    except imaplib.IMAP4.error as exc:  # vanished between LIST and SELECT: the next LIST tidies up
        logger.info("folder not selectable account=%s folder=%s: %s", folder.account_id, folder.pk, exc)
        return
    if folder_is_readonly(info):
        logger.debug("folder is read-only account=%s folder=%s", folder.account_id, folder.pk)
    uidvalidity = int(info[b"UIDVALIDITY"])
    uidnext = int(info[b"UIDNEXT"]) if b"UIDNEXT" in info else None
    exists = int(info.get(b"EXISTS", 0))
    modseq = int(info[b"HIGHESTMODSEQ"]) if context.condstore and b"HIGHESTMODSEQ" in info else None

    if folder.uidvalidity is not None and folder.uidvalidity != uidvalidity:
        _folder_reset(folder=folder, uidvalidity=uidvalidity)
        context.report.deleted += 0  # the copies come back linked to their logical messages
        changes = None  # the server ignored our stale state; the folder is fetched again
    local_count = Message.objects.filter(folder=folder, uidvalidity=uidvalidity, uid__gt=0).count()
    unchanged = (
        folder.uidvalidity == uidvalidity
        and uidnext is not None
        and folder.uidnext == uidnext
        and exists == local_count
        and folder.is_backfill_complete
        and modseq is not None
        and folder.highestmodseq == modseq
        and not (changes and (changes.vanished or changes.flags))
    )
    if unchanged:
        MailFolder.objects.filter(pk=folder.pk).update(last_synced_at=timezone.now())
        return
    if folder.uidvalidity != uidvalidity:
        folder.uidvalidity = uidvalidity
        MailFolder.objects.filter(pk=folder.pk).update(uidvalidity=uidvalidity)

    held_back = 0
    if changes is not None:
        # Applied before any mail is fetched, so flags read at SELECT never overwrite fresher fetched ones.
        context.report.deleted += vanished_delete(
            folder=folder, uidvalidity=uidvalidity, ranges=changes.vanished
        )
        held_back = _flags_write(
            folder=folder, uidvalidity=uidvalidity, server=changes.flags, context=context
        )
    if exists:
        _new_mail_fetch(client=client, folder=folder, uidvalidity=uidvalidity, context=context)
        _backfill(client=client, folder=folder, uidvalidity=uidvalidity, context=context)
    _expunges_mirror(
        client=client,
        folder=folder,
        uidvalidity=uidvalidity,
        exists=exists,
        context=context,
        listed_by_server=changes is not None,
    )
    if exists and changes is None:
        held_back = _flags_refresh(client=client, folder=folder, uidvalidity=uidvalidity, context=context)
    if context.qresync:  # expunges by others while we worked on the folder
        context.report.deleted += vanished_delete(
            folder=folder, uidvalidity=uidvalidity, ranges=session_vanished_pop(client=client)
        )
    if held_back:
        # Server changes skipped for a pending user action must be asked for again: the action's STORE may
        # change nothing on the server (its MODSEQ stays), and a newer HIGHESTMODSEQ would hide them for good.
        modseq = folder.highestmodseq
    MailFolder.objects.filter(pk=folder.pk).update(
        uidnext=uidnext, highestmodseq=modseq, server_message_count=exists, last_synced_at=timezone.now()
    )
    folder.uidnext, folder.highestmodseq, folder.server_message_count = uidnext, modseq, exists


def _folder_reset(*, folder: MailFolder, uidvalidity: int) -> None:
    """UIDVALIDITY changed: every stored UID of the folder is meaningless; fetch the folder again."""
    logger.warning(
        "uidvalidity changed account=%s folder=%s %s -> %s",
        folder.account_id,
        folder.pk,
        folder.uidvalidity,
        uidvalidity,
    )
    with transaction.atomic():
        Message.objects.filter(folder=folder, uid__gt=0).exclude(uidvalidity=uidvalidity).delete()
        MailFolder.objects.filter(pk=folder.pk).update(
            uidvalidity=uidvalidity, uidnext=None, highestmodseq=None, last_uid_seen=0, backfill_cursor=0
        )
    folder.uidvalidity, folder.uidnext, folder.highestmodseq = uidvalidity, None, None
    folder.last_uid_seen, folder.backfill_cursor = 0, 0


def _uids_search(client: IMAPClient, low: int, high: int | None) -> list[int]:
    """UIDs in [low, high] (high None: up to the newest); ``n:*`` also matches the newest UID below n."""
    if high is not None and high < low:
        return []
    criteria = ["UID", f"{low}:{high if high is not None else '*'}"]
    found = client.search(criteria)
    return sorted(uid for uid in found if uid >= low and (high is None or uid <= high))


def _since_criteria(folder: MailFolder, context: _RunContext) -> list[Any]:
    since = context.account.sync_since
    return ["SINCE", since] if since else []


def _new_mail_fetch(
    *, client: IMAPClient, folder: MailFolder, uidvalidity: int, context: _RunContext
) -> None:
    if folder.last_uid_seen == 0 and folder.backfill_cursor == 0:
        # First sync of this folder (or after a UIDVALIDITY change): everything is backfill, newest first.
        all_uids = _uids_search(client, 1, None)
        if not all_uids:
            return
        newest = all_uids[-1]
        MailFolder.objects.filter(pk=folder.pk).update(last_uid_seen=newest, backfill_cursor=newest + 1)
        folder.last_uid_seen, folder.backfill_cursor = newest, newest + 1
        return
    new_uids = _uids_search(client, folder.last_uid_seen + 1, None)
    if context.account.sync_since and new_uids:
        wanted = set(client.search(["UID", f"{new_uids[0]}:*", *_since_criteria(folder, context)]))
        skipped_top = new_uids[-1]
        new_uids = [u for u in new_uids if u in wanted]
        if not new_uids:
            MailFolder.objects.filter(pk=folder.pk).update(last_uid_seen=skipped_top)
            folder.last_uid_seen = skipped_top
            return
    context.total += len(new_uids)
    size = settings.SYNC_BATCH_SIZE
    for start in range(0, len(new_uids), size):
        batch = new_uids[start : start + size]
        _batch_fetch_store(
            client=client,
            folder=folder,
            uidvalidity=uidvalidity,
            uids=batch,
            state={"last_uid_seen": batch[-1]},
            context=context,
        )


def _backfill(*, client: IMAPClient, folder: MailFolder, uidvalidity: int, context: _RunContext) -> None:
    if folder.backfill_cursor == 0:
        return
    pending = _uids_search(client, 1, folder.backfill_cursor - 1)
    if context.account.sync_since and pending:
        wanted = set(
            client.search(["UID", f"1:{folder.backfill_cursor - 1}", *_since_criteria(folder, context)])
        )
        pending = [u for u in pending if u in wanted]
    pending.reverse()  # newest first
    context.total += len(pending)
    size = settings.SYNC_BATCH_SIZE
    for start in range(0, len(pending), size):
        if time.monotonic() > context.deadline and start > 0:
            context.report.has_more = True  # the next run takes fresh mail first, then goes on here
            return
        batch = pending[start : start + size]
        _batch_fetch_store(
            client=client,
            folder=folder,
            uidvalidity=uidvalidity,
            uids=batch,
            state={"backfill_cursor": batch[-1]},
            context=context,
        )
    MailFolder.objects.filter(pk=folder.pk).update(backfill_cursor=0)
    folder.backfill_cursor = 0


def _batch_fetch_store(
    *,
    client: IMAPClient,
    folder: MailFolder,
    uidvalidity: int,
    uids: list[int],
    state: dict[str, int],
    context: _RunContext,
) -> None:
    stored = set(
        Message.objects.filter(folder=folder, uidvalidity=uidvalidity, uid__in=uids).values_list(
            "uid", flat=True
        )
    )
    wanted = [u for u in uids if u not in stored]
    items: list[FetchedMessage] = []
    if wanted:
        items_wanted = [*FETCH_ITEMS, b"MODSEQ"] if context.condstore else FETCH_ITEMS
        response = client.fetch(wanted, items_wanted)
        for uid, data in response.items():
            raw = data.get(b"BODY[]")
            if raw is None:  # expunged between SEARCH and FETCH
                continue
            modseq = data.get(b"MODSEQ")
            items.append(
                FetchedMessage(
                    uid=int(uid),
                    raw=bytes(raw),
                    flags=tuple(data.get(b"FLAGS", ())),
                    internal_date=data.get(b"INTERNALDATE"),
                    size=int(data.get(b"RFC822.SIZE") or 0),
                    modseq=int(modseq[0]) if modseq else None,
                )
            )
        del response
    context.report.new += batch_store(folder=folder, uidvalidity=uidvalidity, items=items, state=state)
    context.done += len(uids)
    context.keep_lock()
    context.emit(folder)


def _expunges_mirror(
    *,
    client: IMAPClient,
    folder: MailFolder,
    uidvalidity: int,
    exists: int,
    context: _RunContext,
    listed_by_server: bool = False,
) -> None:
    """Delete local copies the server no longer has.

    ``listed_by_server``: QRESYNC already named every expunge, so the full search only runs when more
    copies are stored than the server has (a broken promise, or mail that arrived after SELECT).
    """
    local_count = Message.objects.filter(folder=folder, uidvalidity=uidvalidity, uid__gt=0).count()
    if listed_by_server:
        if local_count <= exists:
            return
        logger.warning(
            "more local copies than on the server after QRESYNC account=%s folder=%s: %s > %s",
            folder.account_id,
            folder.pk,
            local_count,
            exists,
        )
    elif local_count == exists and not context.account.sync_since:
        return
    if local_count == 0:
        return
    server_uids = set(_uids_search(client, 1, None)) if exists else set()
    local_uids = Message.objects.filter(folder=folder, uidvalidity=uidvalidity, uid__gt=0).values_list(
        "uid", flat=True
    )
    gone = [uid for uid in local_uids if uid not in server_uids]
    if gone:
        for start in range(0, len(gone), 5000):
            chunk = gone[start : start + 5000]
            Message.objects.filter(folder=folder, uidvalidity=uidvalidity, uid__in=chunk).delete()
        context.report.deleted += len(gone)


def _flags_refresh(*, client: IMAPClient, folder: MailFolder, uidvalidity: int, context: _RunContext) -> int:
    """Bring local flags in step: CHANGEDSINCE with CONDSTORE, otherwise a full (cheap) FLAGS scan.

    Returns how many server changes were held back for user actions (see ``_flags_write``)."""
    if context.condstore and folder.highestmodseq:
        response = fetch_range(
            client, "1:*", [b"UID", b"FLAGS"], modifiers=[f"CHANGEDSINCE {folder.highestmodseq}"]
        )
    else:
        response = fetch_range(client, "1:*", [b"UID", b"FLAGS"])
    server = {int(uid): flags_normalize(data.get(b"FLAGS", ())) for uid, data in response.items()}
    return _flags_write(folder=folder, uidvalidity=uidvalidity, server=server, context=context)


def _flags_write(
    *, folder: MailFolder, uidvalidity: int, server: dict[int, list[str]], context: _RunContext
) -> int:
    """Write the server's flags (by UID) where they differ from the stored ones, through ``flags_apply``;
    returns how many differing rows it left alone because a user action is pending on them or raced us."""
    if not server:
        return 0
    local = (
        Message.objects.filter(folder=folder, uidvalidity=uidvalidity, uid__in=list(server)).values_list(
            "id", "uid", "flags", "local_version"
        )
        if len(server) < 5000
        else Message.objects.filter(folder=folder, uidvalidity=uidvalidity, uid__gt=0).values_list(
            "id", "uid", "flags", "local_version"
        )
    )
    changes = [
        (pk, version, server[uid])
        for pk, uid, flags, version in local.iterator(chunk_size=5000)
        if uid in server and sorted(flags) != server[uid]
    ]
    updated = flags_apply(changes=changes)
    context.report.updated += updated
    return len(changes) - updated


def fetch_range(
    client: IMAPClient, uid_range: str, data: list[bytes], modifiers: list[str] | None = None
) -> dict[int, dict[bytes, Any]]:
    """UID FETCH over a range such as ``1:*`` (IMAPClient's fetch only keeps UIDs it was given)."""
    from imapclient.imapclient import seq_to_parenstr_upper
    from imapclient.response_parser import parse_fetch_response

    args = ["UID", "FETCH", uid_range, seq_to_parenstr_upper(data)]
    if modifiers:
        args.append(seq_to_parenstr_upper(modifiers))
    tag = client._imap._command(*args)
    typ, lines = client._imap._command_complete("FETCH", tag)
    client._checkok("fetch", typ, lines)
    typ, lines = client._imap._untagged_response(typ, lines, "FETCH")
    return parse_fetch_response(lines, client.normalise_times, True)


def flags_apply(*, changes: list[tuple[int, int, list[str]]]) -> int:
    """Write server flags over local ones, except where a user action is pending or happened meanwhile.

    ``changes`` holds (message id, local_version read, server flags). The version check makes the UPDATE
    skip a row a user action touched after we read it (PostgreSQL re-checks it under the row lock).
    """
    updated = 0
    table = Message._meta.db_table
    from emails.models import PendingOperation

    ops_table = PendingOperation._meta.db_table
    for start in range(0, len(changes), 1000):
        chunk = changes[start : start + 1000]
        values = ", ".join(["(%s, %s, %s::varchar[])"] * len(chunk))
        params: list[Any] = []
        for pk, version, flags in chunk:
            params.extend([pk, version, flags])
        sql = f"""
            UPDATE {table} AS m SET flags = v.flags,
                is_seen = '\\Seen' = ANY(v.flags), is_flagged = '\\Flagged' = ANY(v.flags),
                is_answered = '\\Answered' = ANY(v.flags), is_draft = '\\Draft' = ANY(v.flags)
            FROM (VALUES {values}) AS v(id, version, flags)
            WHERE m.id = v.id AND m.local_version = v.version
              AND NOT EXISTS (SELECT 1 FROM {ops_table} p WHERE p.message_id = m.id AND p.status = %s)
        """  # noqa: S608 - table names are ours, values are parameters
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, OperationStatus.PENDING])
            updated += cursor.rowcount
    return updated


def _operations_push(*, account: MailAccount, client: IMAPClient, context: _RunContext) -> None:
    from emails.services.operations import operations_apply_with_client

    operations_apply_with_client(account=account, client=client, keep_lock=context.keep_lock)


@contextlib.contextmanager
def sync_lock_held(*, account_id: int, timeout: int | None = None) -> Iterator[Any | None]:
    """Hold the account's sync lock (non-blocking); yields None when someone else holds it."""
    lock = locking_cache(cache).lock(sync_lock_key(account_id), timeout=timeout or settings.SYNC_LOCK_SECONDS)
    if not lock.acquire(blocking=False):
        yield None
        return
    try:
        yield lock
    finally:
        with contextlib.suppress(LockError):
            lock.release()
