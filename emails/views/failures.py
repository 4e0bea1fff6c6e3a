"""The actions the mail server refused: a notice on every page until the owner dismisses it.

The notice region is loaded by htmx after the page (and again on an ``operation.failed`` live event), so
pages pay no query for it and an open page learns of a failure the worker found a minute later.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from emails.display_texts import operation_error_text
from emails.models import OperationKind, PendingOperation
from emails.selectors import failed_operations_for_user
from emails.services.operations import failed_operations_dismiss
from mailhelper.typing import UserRequest

SHOWN = 5


@dataclass(frozen=True)
class Failure:
    operation: PendingOperation
    action: str
    error: str


def _action_text(operation: PendingOperation) -> str:
    flags = set(operation.flags)
    if operation.kind in (OperationKind.FLAGS_ADD, OperationKind.FLAGS_REMOVE):
        adding = operation.kind == OperationKind.FLAGS_ADD
        if "\\Seen" in flags:
            return _("Mark as read") if adding else _("Mark as unread")
        if "\\Flagged" in flags:
            return _("Flag") if adding else _("Remove flag")
        return _("Change flags")
    if operation.kind == OperationKind.MOVE:
        if operation.target_folder is None:
            return _("Move")
        return _("Move to “%(folder)s”") % {"folder": operation.target_folder.display_name}
    if operation.kind == OperationKind.DELETE:
        return _("Delete permanently")
    return str(operation.get_kind_display())


def _panel(request: UserRequest) -> HttpResponse:
    rows = failed_operations_for_user(user=request.user).select_related("message", "target_folder")
    shown = list(rows[: SHOWN + 1])
    failures = [
        Failure(operation=op, action=_action_text(op), error=operation_error_text(op.error))
        for op in shown[:SHOWN]
    ]
    total = len(shown) if len(shown) <= SHOWN else rows.count()
    return render(
        request,
        "emails/_failed_operations.html",
        {"failures": failures, "total": total, "more": max(0, total - SHOWN)},
    )


@require_GET
def failed_operations_panel(request: UserRequest) -> HttpResponse:
    return _panel(request)


@require_POST
def failed_operations_dismiss_view(request: UserRequest) -> HttpResponse:
    """Dismiss one failure (``operation_id``) or all of them; someone else's ids simply match nothing."""
    raw = request.POST.get("operation_id", "")
    ids = [int(raw)] if raw.isdigit() else None
    failed_operations_dismiss(user=request.user, operation_ids=ids)
    if request.headers.get("HX-Request"):
        return _panel(request)
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        target = reverse("home")
    return HttpResponseRedirect(target)
