"""Writing mail accounts: create, update, re-enter the password, request a sync, delete our copy.

Connection testing lives in ``mail_connection``; this module only changes rows and enqueues work
after the transaction commits (task arguments are ids, never secrets).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.mail_selectors import mail_account_same_mailbox
from accounts.models import MailAccount

logger = logging.getLogger(__name__)

# A "sync now" request counts as queued until a sync starts after it, but at most this long (a lost
# broker message must not block the button forever).
SYNC_REQUEST_PENDING_FOR = timedelta(minutes=15)
# A SyncRun still "running" after this long belongs to a killed worker and no longer counts.
SYNC_RUN_STALE_AFTER = timedelta(hours=2)
DELETE_BATCH_SIZE = 500

EDITABLE_FIELDS = (
    "name",
    "email_address",
    "imap_host",
    "imap_port",
    "imap_security",
    "username",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_username",
    "sync_interval_minutes",
    "folder_include",
    "folder_exclude",
    "sync_since",
    "enabled",
)


def sync_quota_per_user() -> int:
    """How many syncs one user may have queued or running at once (the sync engine's setting, default 3)."""
    return int(getattr(settings, "SYNC_USER_QUEUE_LIMIT", 3))


def _fields_apply(account: MailAccount, fields: Mapping[str, Any]) -> None:
    for name in EDITABLE_FIELDS:
        if name in fields:
            setattr(account, name, fields[name])


def _status_clear(account: MailAccount) -> None:
    account.needs_reauth = False
    account.consecutive_failures = 0
    account.last_error = ""


def mail_account_duplicate_message(account: MailAccount) -> str:
    return _("This mailbox is already connected as “%(name)s”.") % {"name": account.name}


def _same_mailbox_refuse(account: MailAccount) -> None:
    """The same mailbox twice would list every message twice and make the totals disagree."""
    other = mail_account_same_mailbox(
        owner_id=account.owner_id,
        host=account.imap_host,
        port=account.imap_port,
        username=account.username,
        exclude_pk=account.pk,
    )
    if other is not None:
        raise ValidationError(mail_account_duplicate_message(other), code="duplicate_mailbox")


def mail_account_create(
    *, owner: Any, fields: Mapping[str, Any], password: str, smtp_password: str = ""
) -> MailAccount:
    """A new account for ``owner`` with the (already tested) settings; the passwords are encrypted."""
    account = MailAccount(owner=owner)
    _fields_apply(account, fields)
    account.password_set(password)
    account.smtp_password_set(smtp_password)
    account.full_clean(exclude=["password_encrypted", "smtp_password_encrypted"])
    _same_mailbox_refuse(account)
    account.save()
    logger.info("mail account created account=%s", account.pk)
    return account


def mail_account_update(
    *,
    account: MailAccount,
    fields: Mapping[str, Any],
    password: str = "",
    smtp_password: str = "",
    connection_verified: bool = False,
) -> MailAccount:
    """Change settings; an empty password keeps the stored one. A verified connection clears error state."""
    _fields_apply(account, fields)
    if password:
        account.password_set(password)
    if smtp_password:
        account.smtp_password_set(smtp_password)
    if connection_verified:
        _status_clear(account)
    account.full_clean(exclude=["password_encrypted", "smtp_password_encrypted"])
    _same_mailbox_refuse(account)
    account.save()
    logger.info("mail account updated account=%s verified=%s", account.pk, connection_verified)
    return account


def mail_account_password_replace(*, account: MailAccount, password: str) -> MailAccount:
    """Store a new (already tested) password and lift the re-authentication stop."""
    account.password_set(password)
    _status_clear(account)
    account.save(
        update_fields=[
            "password_encrypted",
            "needs_reauth",
            "consecutive_failures",
            "last_error",
            "updated_at",
        ]
    )
    logger.info("mail account password replaced account=%s", account.pk)
    return account


# --- sync status, for the sync engine -------------------------------------------------------------------


def mail_account_mark_needs_reauth(*, account: MailAccount, error: str) -> None:
    """The server rejected the stored credentials: stop scheduling until the user re-enters them."""
    MailAccount.objects.filter(pk=account.pk).update(
        needs_reauth=True, last_error=error[:2000], consecutive_failures=models.F("consecutive_failures") + 1
    )


def mail_account_sync_failed(*, account: MailAccount, error: str) -> None:
    MailAccount.objects.filter(pk=account.pk).update(
        last_error=error[:2000], consecutive_failures=models.F("consecutive_failures") + 1
    )


def mail_account_sync_succeeded(*, account: MailAccount) -> None:
    MailAccount.objects.filter(pk=account.pk).update(
        last_success_at=timezone.now(), last_error="", consecutive_failures=0
    )


# --- sync now -------------------------------------------------------------------------------------------


class SyncRequestOutcome(enum.Enum):
    QUEUED = "queued"
    ALREADY_QUEUED = "already_queued"
    QUOTA_EXCEEDED = "quota_exceeded"
    NOT_SYNCABLE = "not_syncable"


def _sync_request_is_pending(account: MailAccount, now: Any) -> bool:
    requested = account.sync_requested_at
    if requested is None or now - requested > SYNC_REQUEST_PENDING_FOR:
        return False
    return account.last_sync_started_at is None or account.last_sync_started_at < requested


def _running_syncs(owner_id: int, now: Any) -> int:
    try:
        from emails.models import SyncRun, SyncRunStatus
    except ImportError:  # the sync engine is not installed yet
        return 0
    return SyncRun.objects.filter(
        owner_id=owner_id, status=SyncRunStatus.RUNNING, started_at__gte=now - SYNC_RUN_STALE_AFTER
    ).count()


def account_sync_enqueue(account_id: int) -> None:
    """Send the sync task to the broker (called after commit) when the sync engine has no scheduler."""
    try:
        from emails.tasks import account_sync_task
    except ImportError:
        logger.warning(
            "sync requested but emails.tasks.account_sync_task does not exist yet account=%s", account_id
        )
        return
    account_sync_task.delay(account_id)


def _engine_enqueue(account: MailAccount) -> SyncRequestOutcome | None:
    """Queue through the sync engine's scheduler (it keeps the queued markers the fan-out also honours).

    None when the engine has no scheduler; the caller then enqueues the task itself.
    """
    try:
        from emails.models import SyncTrigger
        from emails.services.scheduling import sync_enqueue
    except ImportError:
        return None
    result = sync_enqueue(account=account, trigger=SyncTrigger.MANUAL)
    if result.queued:
        return SyncRequestOutcome.QUEUED
    return {
        "quota": SyncRequestOutcome.QUOTA_EXCEEDED,
        "already_queued": SyncRequestOutcome.ALREADY_QUEUED,
    }.get(result.reason, SyncRequestOutcome.NOT_SYNCABLE)


def mail_account_sync_request(*, account: MailAccount, enforce_quota: bool = True) -> SyncRequestOutcome:
    """Queue a sync of ``account`` now, unless one is queued already or the owner's quota is used up."""
    now = timezone.now()
    with transaction.atomic():
        # Locking all of the owner's accounts serialises concurrent requests of one user (the quota).
        owned = {a.pk: a for a in MailAccount.objects.select_for_update().filter(owner_id=account.owner_id)}
        current = owned.get(account.pk)
        if current is None or current.deleting or not current.enabled or current.needs_reauth:
            return SyncRequestOutcome.NOT_SYNCABLE
        if _sync_request_is_pending(current, now):
            return SyncRequestOutcome.ALREADY_QUEUED
        if enforce_quota:
            busy = sum(1 for a in owned.values() if _sync_request_is_pending(a, now)) + _running_syncs(
                account.owner_id, now
            )
            if busy >= sync_quota_per_user():
                return SyncRequestOutcome.QUOTA_EXCEEDED
        outcome = _engine_enqueue(current)
        if outcome is None:
            account_id = current.pk
            transaction.on_commit(lambda: account_sync_enqueue(account_id), robust=True)
        elif outcome is not SyncRequestOutcome.QUEUED:
            return outcome
        current.sync_requested_at = now
        current.save(update_fields=["sync_requested_at"])
    account.sync_requested_at = now
    logger.info("mail account sync requested account=%s", account.pk)
    return SyncRequestOutcome.QUEUED


# --- deletion -------------------------------------------------------------------------------------------


def mail_account_delete_request(*, account: MailAccount) -> bool:
    """Hide the account at once and remove our local copy in the background (never mail on the server)."""
    from accounts.tasks import mail_account_delete_task

    with transaction.atomic():
        changed = MailAccount.objects.filter(pk=account.pk, deleting=False).update(
            deleting=True, enabled=False
        )
        if changed:
            account_id = account.pk
            transaction.on_commit(lambda: mail_account_delete_task.delay(account_id), robust=True)
    account.deleting = True
    account.enabled = False
    logger.info("mail account deletion requested account=%s", account.pk)
    return bool(changed)


def _relations_in_delete_order() -> list[tuple[type[models.Model], str]]:
    """Every table hanging off MailAccount, those that others reference last (messages before folders)."""
    relations: list[tuple[type[models.Model], str]] = [
        (cast(type[models.Model], rel.related_model), rel.field.name)
        for rel in MailAccount._meta.related_objects
        if (rel.one_to_many or rel.one_to_one) and rel.on_delete is models.CASCADE
    ]

    def referenced_by(model: type[models.Model], others: list[tuple[type[models.Model], str]]) -> bool:
        return any(
            getattr(f, "many_to_one", False) and f.related_model is model
            for other, _ in others
            if other is not model
            for f in other._meta.get_fields()
        )

    ordered: list[tuple[type[models.Model], str]] = []
    remaining = list(relations)
    while remaining:
        free = [r for r in remaining if not referenced_by(r[0], remaining)] or remaining[:1]
        ordered.extend(free)
        remaining = [r for r in remaining if r not in free]
    return ordered


def mail_account_local_data_delete(*, account_id: int, batch_size: int = DELETE_BATCH_SIZE) -> int:
    """Delete our stored copy of an account marked ``deleting`` in small transactions; returns rows deleted."""
    account = MailAccount.objects.filter(pk=account_id, deleting=True).first()
    if account is None:
        return 0
    deleted = 0
    for model, field in _relations_in_delete_order():
        manager = model._base_manager
        while True:
            ids = list(
                manager.filter(**{field: account_id}).order_by().values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                break
            with transaction.atomic():
                count, _ = manager.filter(pk__in=ids).delete()
            deleted += count
    count, _ = MailAccount.objects.filter(pk=account_id, deleting=True).delete()
    deleted += count
    from emails.services.dashboard_cache import dashboard_invalidate

    dashboard_invalidate(user_id=account.owner_id)
    logger.info("mail account local data deleted account=%s rows=%s", account_id, deleted)
    return deleted
