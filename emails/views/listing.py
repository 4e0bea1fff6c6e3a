"""The message list: filters, sorting, keyset pages, search, and the rows partial for htmx and live refresh."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from emails.models import Triage
from emails.selectors_ui import (
    PAGE_SIZE_DEFAULT,
    ListFilters,
    MailScope,
    MessagePage,
    cursor_decode,
    list_filters_check,
    list_filters_parse,
    mail_scope_for_user,
    message_page,
    message_search_page,
    tags_for_filter,
)

UNDO_SESSION_KEY = "ui_undo"


def _page_size(request: HttpRequest) -> int:
    raw = request.GET.get("size") or ""
    return int(raw) if raw.isdigit() and 0 < int(raw) <= 200 else PAGE_SIZE_DEFAULT


def _load(request: HttpRequest) -> tuple[ListFilters, MailScope, list[Any], MessagePage]:
    scope = mail_scope_for_user(user=request.user)
    filters = list_filters_parse(request.GET)
    tags = tags_for_filter(user=request.user)
    list_filters_check(filters=filters, scope=scope, tag_ids={t.pk for t in tags})
    cursor = request.GET.get("cursor") or ""
    if cursor and not filters.query and cursor_decode(cursor, filters.sort) is None:
        filters.notices.append(_("Ignored a broken page link: showing the first page."))
    if filters.query:
        page = message_search_page(user=request.user, filters=filters, scope=scope, size=_page_size(request))
    else:
        page = message_page(
            user=request.user,
            filters=filters,
            scope=scope,
            cursor=cursor,
            size=_page_size(request),
        )
    return filters, scope, tags, page


def _rows_context(filters: ListFilters, scope: MailScope, page: MessagePage) -> dict[str, Any]:
    params = filters.params()
    next_query = urlencode({**params, "cursor": page.next_cursor}) if page.next_cursor else ""
    return {
        "filters": filters,
        "page": page,
        "rows": page.rows,
        "next_query": next_query,
        "list_query": urlencode(params),
        "show_account": len(scope.accounts) > 1,
        # translated once per page instead of once per row
        "no_subject": _("(no subject)"),
        "unknown_sender": _("(unknown sender)"),
        "pending_label": _("not analysed yet"),
    }


def message_list(request: HttpRequest) -> HttpResponse:
    filters, scope, tags, page = _load(request)
    context = _rows_context(filters, scope, page)
    sort_links = {
        sort: urlencode(filters.params(sort=sort if sort != "date" else ""))
        for sort in ("date", "score", "sender")
    }
    context.update(
        {
            "scope": scope,
            "tags": tags,
            "categories": Triage.Category.choices,
            "sort_links": sort_links,
            "clear_search_query": urlencode(filters.params(q="", mode="")),
            "is_first_page": not request.GET.get("cursor"),
            "undo": request.session.get(UNDO_SESSION_KEY),
            "cells": [(u, i) for u in (3, 2, 1) for i in (1, 2, 3)],
            "move_folders": [f for f in scope.folders],
            "accounts_by_id": {a.pk: a for a in scope.accounts},
        }
    )
    return render(request, "emails/list.html", context)


def message_rows(request: HttpRequest) -> HttpResponse:
    """The rows of one page (htmx: "older messages" appends them; live refresh replaces the first page)."""
    filters, scope, _tags, page = _load(request)
    return render(request, "emails/_list_rows.html", _rows_context(filters, scope, page))
