"""Bulk actions on selected messages (done, read/unread, flag, move, archive, trash, tag) and their undo.

Every id is checked against the user's own messages first: if any id is not theirs the whole request is
a 404 and nothing is done. The services check ownership again. What undoes the last action is kept in
the session (never in the page), so the undo form carries only a token.
"""

from __future__ import annotations

import logging
import secrets
import time
from typing import Any

from django.contrib import messages as flash
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from emails.display_texts import bulk_result_text
from emails.models import MailFolder, Message, Triage
from emails.services.operations import ActionError, message_action, operation_undo
from emails.services.triage import triage_mark_done
from emails.views.listing import UNDO_SESSION_KEY
from mailhelper.typing import UserRequest

logger = logging.getLogger(__name__)
MAX_IDS = 500
FLAG_ACTIONS = {"read": "mark_read", "unread": "mark_unread", "flag": "flag", "unflag": "unflag"}
FLAG_INVERSE = {"mark_read": "mark_unread", "mark_unread": "mark_read", "flag": "unflag", "unflag": "flag"}
MOVE_ACTIONS = ("archive", "trash", "move")
UNDO_SECONDS = 600


def _next_url(request: UserRequest) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=False
    ):
        return target
    return reverse("emails:list")


def _ids(values: list[str]) -> list[int]:
    ids = []
    for value in values[: MAX_IDS + 1]:
        if not value.isdigit():
            raise Http404("bad id")
        ids.append(int(value))
    if len(ids) > MAX_IDS:
        raise Http404("too many ids")
    return list(dict.fromkeys(ids))


def _owned_messages(request: UserRequest, ids: list[int]) -> list[Message]:
    rows = list(
        Message.objects.filter(owner=request.user, pk__in=ids).only(
            "id", "logical_id", "account_id", "folder_id"
        )
    )
    if len(rows) != len(ids):  # someone else's (or a vanished) id: act on nothing, confirm nothing
        raise Http404("no such message")
    return rows


def _undo_remember(
    request: UserRequest,
    *,
    kind: str,
    ids: list[int],
    label_key: str,
    label_n: int,
    extra: dict[str, Any] | None = None,
) -> bool:
    """Keep what undoes the last action; its label as a key and a count (``bulk_result_text``), so the bar is
    worded in the language of the page that shows it, not of the one that acted. True when there is an undo."""
    if not ids:
        request.session.pop(UNDO_SESSION_KEY, None)
        return False
    request.session[UNDO_SESSION_KEY] = {
        "token": secrets.token_urlsafe(12),
        "kind": kind,
        "ids": ids,
        "label_key": label_key,
        "label_n": label_n,
        "at": time.time(),
        **(extra or {}),
    }
    return True


def _done(request: UserRequest, rows: list[Message], done: bool) -> tuple[int, list[int]]:
    changed = []
    for logical_id in dict.fromkeys(row.logical_id for row in rows):
        try:
            before = Triage.objects.only("done_at").get(owner=request.user, logical_id=logical_id).done_at
            triage_mark_done(user=request.user, logical_id=logical_id, done=done)
        except Triage.DoesNotExist:  # not analysed yet: nothing to mark
            continue
        if (before is None) == done:
            changed.append(logical_id)
    return len(changed), changed


@require_POST
def bulk_action(request: UserRequest) -> HttpResponse:
    """POST ids + action (done, undone, read, unread, flag, unflag, archive, trash, move, tag)."""
    action = request.POST.get("action") or ""
    raw_ids = request.POST.getlist("ids")
    for single in ("done_one", "undone_one"):  # the per-row buttons act on their own row only
        if request.POST.get(single):
            action, raw_ids = single.removesuffix("_one"), [request.POST[single]]
    rows = _owned_messages(request, _ids(raw_ids))
    target_folder_id = None
    if action == "move":
        raw = request.POST.get("target_folder") or ""
        if not raw.isdigit() or not MailFolder.objects.filter(owner=request.user, pk=int(raw)).exists():
            raise Http404("no such folder")
        target_folder_id = int(raw)
    if not rows:
        flash.info(request, _("Select at least one message first."))
        return HttpResponseRedirect(_next_url(request))

    if action in ("done", "undone"):
        count, changed = _done(request, rows, action == "done")
        # The undo bar says what was done, beside its Undo button; a flash message would say it twice.
        if not _undo_remember(
            request,
            kind="undone" if action == "done" else "done",
            ids=changed,
            label_key=action,
            label_n=count,
        ):
            flash.success(request, bulk_result_text(action, count))
    elif action in FLAG_ACTIONS:
        service_action = FLAG_ACTIONS[action]
        changed, failed = [], 0
        for row in rows:
            try:
                if message_action(user=request.user, message_id=row.pk, action=service_action) is not None:
                    changed.append(row.pk)
            except ActionError:
                failed += 1
        if not _undo_remember(
            request, kind=FLAG_INVERSE[service_action], ids=changed, label_key="updated", label_n=len(changed)
        ):
            flash.success(request, bulk_result_text("updated", len(changed)))
        if failed:
            flash.warning(
                request,
                ngettext(
                    "%(n)d message is busy; try again shortly.",
                    "%(n)d messages are busy; try again shortly.",
                    failed,
                )
                % {"n": failed},
            )
    elif action in MOVE_ACTIONS:
        operations, errors = [], []
        for row in rows:
            try:
                operation = message_action(
                    user=request.user, message_id=row.pk, action=action, target_folder_id=target_folder_id
                )
            except (ActionError, MailFolder.DoesNotExist) as exc:
                errors.append(str(exc))
                continue
            if operation is not None:
                operations.append(operation.pk)
        if not _undo_remember(
            request, kind="operations", ids=operations, label_key=action, label_n=len(operations)
        ):
            flash.success(request, bulk_result_text(action, len(operations)))
        for error in sorted(set(errors)):
            flash.error(request, _("Not done: %(error)s") % {"error": error})
    elif action == "tag":
        name = (request.POST.get("tag_name") or "").strip()
        if not name:
            flash.error(request, _("Enter a tag name."))
            return HttpResponseRedirect(_next_url(request))
        try:
            from tags.services.tagging import TagError, tags_add_bulk
        except ImportError:
            raise Http404("tags are not available") from None
        logical_ids = list(dict.fromkeys(row.logical_id for row in rows))
        try:
            count = tags_add_bulk(user=request.user, logical_ids=logical_ids, name=name)
        except TagError as exc:
            flash.error(request, str(exc))
            return HttpResponseRedirect(_next_url(request))
        label = ngettext(
            "Tag “%(tag)s” added to %(n)d message.", "Tag “%(tag)s” added to %(n)d messages.", count
        ) % {"n": count, "tag": name}
        request.session.pop(UNDO_SESSION_KEY, None)
        flash.success(request, label)
    else:
        raise Http404("unknown action")
    return HttpResponseRedirect(_next_url(request))


@require_POST
def bulk_undo(request: UserRequest) -> HttpResponse:
    """Undo the last bulk action of this session (token from the undo bar)."""
    undo = request.session.get(UNDO_SESSION_KEY)
    token = request.POST.get("token") or ""
    if not undo or not secrets.compare_digest(str(undo.get("token", "")), token):
        raise Http404("nothing to undo")
    if time.time() - float(undo.get("at", 0)) > UNDO_SECONDS:
        request.session.pop(UNDO_SESSION_KEY, None)
        flash.info(request, _("That action is too old to undo here."))
        return HttpResponseRedirect(_next_url(request))
    request.session.pop(UNDO_SESSION_KEY, None)
    kind, ids = undo["kind"], [int(i) for i in undo["ids"]]
    failed = 0
    if kind in ("done", "undone"):
        for logical_id in ids:
            try:
                triage_mark_done(user=request.user, logical_id=logical_id, done=kind == "done")
            except Triage.DoesNotExist:
                failed += 1
    elif kind in FLAG_INVERSE:
        for message_id in ids:
            try:
                message_action(user=request.user, message_id=message_id, action=kind)
            except (Message.DoesNotExist, ActionError):
                failed += 1
    elif kind == "operations":
        failed = _operations_undo(request, ids)
    else:
        raise Http404("nothing to undo")
    flash.success(request, _("Undone."))
    if failed:
        flash.warning(
            request,
            ngettext("%(n)d message could not be restored.", "%(n)d messages could not be restored.", failed)
            % {"n": failed},
        )
    return HttpResponseRedirect(_next_url(request))


def _operations_undo(request: UserRequest, operation_ids: list[int]) -> int:
    """Undo moves; returns how many could not be undone.

    A move the server has already done leaves the row waiting for its new UID, which the target folder's
    next sync brings. The user asked for the undo now, so that sync runs here (bounded, under the account's
    lock, skipped when another sync holds it) and the undo is tried once more.
    """
    from emails.models import PendingOperation
    from emails.services.operations import MessageBusy

    busy: list[int] = []
    failed = 0
    for operation_id in operation_ids:
        try:
            operation_undo(user=request.user, operation_id=operation_id)
        except MessageBusy:
            busy.append(operation_id)
        except (PendingOperation.DoesNotExist, ActionError):
            failed += 1
    if busy:
        _accounts_sync_now(request, busy)
        for operation_id in busy:
            try:
                operation_undo(user=request.user, operation_id=operation_id)
            except (PendingOperation.DoesNotExist, ActionError):
                failed += 1
    return failed


def _accounts_sync_now(request: UserRequest, operation_ids: list[int]) -> None:
    from accounts.models import MailAccount
    from emails.models import PendingOperation, SyncTrigger
    from emails.services.sync import account_sync

    account_ids = set(
        PendingOperation.objects.filter(owner=request.user, pk__in=operation_ids).values_list(
            "account_id", flat=True
        )
    )
    for account in MailAccount.objects.filter(owner=request.user, pk__in=account_ids, needs_reauth=False):
        try:
            account_sync(account=account, trigger=SyncTrigger.MANUAL, time_budget=5)
        except Exception:  # the undo then reports what it could not do
            logger.warning("sync before undo failed for account %s", account.pk, exc_info=True)
