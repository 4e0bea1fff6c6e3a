"""Mail-account pages: list with status, add, edit, re-enter password, delete, sync now, test connection.

Every object is fetched through ``mail_accounts_for_user``: someone else's account is a 404. Requests
that make outbound connections or queue work are rate-limited per user.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from accounts.mail_forms import MailAccountForm, MailAccountPasswordForm, stored_password
from accounts.mail_selectors import mail_accounts_for_user
from accounts.models import MailAccount
from accounts.services.mail_accounts import (
    SyncRequestOutcome,
    mail_account_create,
    mail_account_delete_request,
    mail_account_password_replace,
    mail_account_sync_request,
    mail_account_update,
)
from accounts.services.mail_connection import ConnectionTestResult, mail_account_connection_test
from mailhelper.views import ratelimited

CONNECT_RATE = "20/m"  # saves and connection tests: each one opens a connection to a host the user chose
SYNC_RATE = "6/m"


def _account(request: HttpRequest, pk: int) -> MailAccount:
    return get_object_or_404(mail_accounts_for_user(user=request.user), pk=pk)


def _limited(request: HttpRequest) -> bool:
    return bool(getattr(request, "limited", False))


@login_required
def mail_account_list(request: HttpRequest) -> HttpResponse:
    from emails.selectors_ui import account_statuses_for_user, mail_scope_for_user

    accounts = mail_accounts_for_user(user=request.user)
    # The same live sync status (progress bar fed by the user's websocket events) as on the dashboard.
    statuses = account_statuses_for_user(user=request.user, scope=mail_scope_for_user(user=request.user))
    return render(request, "accounts/mail_list.html", {"accounts": accounts, "statuses": statuses})


SYNC_HISTORY_RUNS = 10


def _form_page(request: HttpRequest, form: MailAccountForm, account: MailAccount | None) -> HttpResponse:
    runs: list[Any] = []
    if account is not None:
        from emails.selectors import sync_runs_for_user

        # What the last syncs did and why one failed: the account's status shows the latest error only.
        runs = list(
            sync_runs_for_user(user=request.user, account_id=account.pk).order_by("-started_at")[
                :SYNC_HISTORY_RUNS
            ]
        )
    return render(request, "accounts/mail_form.html", {"form": form, "account": account, "runs": runs})


@login_required
@ratelimit(key="user", rate=CONNECT_RATE, method="POST", group="mailaccounts:connect", block=False)
@require_http_methods(["GET", "POST"])
def mail_account_add(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and _limited(request):
        return ratelimited(request)
    form = MailAccountForm(request.POST or None, owner=request.user)
    if request.method == "POST" and form.is_valid():
        result = mail_account_connection_test(**form.connection_settings())
        if result.ok:
            account = mail_account_create(
                owner=request.user,
                fields=form.account_fields(),
                password=form.cleaned_data["password"],
                smtp_password=form.cleaned_data.get("smtp_password") or "",
            )
            messages.success(
                request,
                _("Account “%(name)s” added. %(result)s") % {"name": account.name, "result": result.message},
            )
            return redirect("mailaccounts:list")
        form.add_error("password" if result.needs_password else None, result.message)
    return _form_page(request, form, None)


@login_required
@ratelimit(key="user", rate=CONNECT_RATE, method="POST", group="mailaccounts:connect", block=False)
@require_http_methods(["GET", "POST"])
def mail_account_edit(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(request, pk)
    if request.method == "POST" and _limited(request):
        return ratelimited(request)
    form = MailAccountForm(request.POST or None, instance=account, owner=request.user)
    if request.method == "POST" and form.is_valid():
        result: ConnectionTestResult | None = None
        if form.needs_connection_test:
            result = mail_account_connection_test(**form.connection_settings())
        if result is None or result.ok:
            mail_account_update(
                account=account,
                fields=form.account_fields(),
                password=form.cleaned_data.get("password") or "",
                smtp_password=form.cleaned_data.get("smtp_password") or "",
                connection_verified=result is not None,
            )
            messages.success(request, _("Account “%(name)s” saved.") % {"name": account.name})
            return redirect("mailaccounts:list")
        form.add_error("password" if result.needs_password else None, result.message)
    return _form_page(request, form, account)


@login_required
@ratelimit(key="user", rate=CONNECT_RATE, method="POST", group="mailaccounts:connect", block=False)
@require_http_methods(["GET", "POST"])
def mail_account_reauth(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(request, pk)
    if request.method == "POST" and _limited(request):
        return ratelimited(request)
    form = MailAccountPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        password = form.cleaned_data["password"]
        result = mail_account_connection_test(
            host=account.imap_host,
            port=account.imap_port,
            security=account.imap_security,
            username=account.username,
            password=password,
        )
        if result.ok:
            mail_account_password_replace(account=account, password=password)
            messages.success(request, _("Password saved; “%(name)s” syncs again.") % {"name": account.name})
            return redirect("mailaccounts:list")
        form.add_error("password" if result.needs_password else None, result.message)
    return render(request, "accounts/mail_reauth.html", {"form": form, "account": account})


@login_required
@require_http_methods(["GET", "POST"])
def mail_account_delete(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(request, pk)
    if request.method == "POST":
        mail_account_delete_request(account=account)
        messages.success(
            request,
            _("Account “%(name)s” is being removed. Mail on the server is not touched.")
            % {"name": account.name},
        )
        return redirect("mailaccounts:list")
    return render(request, "accounts/mail_confirm_delete.html", {"account": account})


_SYNC_MESSAGES = {
    SyncRequestOutcome.QUEUED: (messages.SUCCESS, _("Sync of “%(name)s” queued.")),
    SyncRequestOutcome.ALREADY_QUEUED: (messages.INFO, _("A sync of “%(name)s” is already queued.")),
    SyncRequestOutcome.QUOTA_EXCEEDED: (
        messages.WARNING,
        _("You already have several syncs queued or running; try “%(name)s” again in a moment."),
    ),
    SyncRequestOutcome.NOT_SYNCABLE: (
        messages.ERROR,
        _("“%(name)s” cannot sync now: it is disabled or needs its password re-entered."),
    ),
}


@login_required
@ratelimit(key="user", rate=SYNC_RATE, method="POST", group="mailaccounts:sync", block=False)
@require_POST
def mail_account_sync(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(request, pk)
    if _limited(request):
        return ratelimited(request)
    outcome = mail_account_sync_request(account=account)
    level, text = _SYNC_MESSAGES[outcome]
    messages.add_message(request, level, str(text) % {"name": account.name})
    return redirect("mailaccounts:list")


def _test_partial(
    request: HttpRequest, result: ConnectionTestResult | None, errors: Any = None
) -> HttpResponse:
    return render(request, "accounts/mail_test_result.html", {"result": result, "errors": errors})


@login_required
@ratelimit(key="user", rate=CONNECT_RATE, method="POST", group="mailaccounts:connect", block=False)
@require_POST
def mail_account_test(request: HttpRequest, pk: int) -> HttpResponse:
    """Test a saved account: with the settings posted from its edit form, or else the stored ones."""
    account = _account(request, pk)
    if _limited(request):
        return ratelimited(request)
    if "imap_host" in request.POST:
        form = MailAccountForm(request.POST, instance=account, owner=request.user)
        if not form.is_valid():
            return _test_partial(request, None, form.errors)
        settings_ = form.connection_settings()
    else:
        settings_ = {
            "host": account.imap_host,
            "port": account.imap_port,
            "security": account.imap_security,
            "username": account.username,
            "password": stored_password(account),
        }
    return _test_partial(request, mail_account_connection_test(**settings_))


@login_required
@ratelimit(key="user", rate=CONNECT_RATE, method="POST", group="mailaccounts:connect", block=False)
@require_POST
def mail_account_test_new(request: HttpRequest) -> HttpResponse:
    """Test the settings of the add form before saving."""
    if _limited(request):
        return ratelimited(request)
    form = MailAccountForm(request.POST, owner=request.user)
    if not form.is_valid():
        return _test_partial(request, None, form.errors)
    return _test_partial(request, mail_account_connection_test(**form.connection_settings()))
