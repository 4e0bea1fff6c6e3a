"""The dashboard: the urgency × importance matrix of open mail, totals, 30-day charts, sync status."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages as flash
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from emails.models import TriageColour
from emails.selectors_ui import (
    Charts,
    MailScope,
    account_statuses_for_user,
    charts_for_user,
    mail_scope_for_user,
    matrix_for_user,
    totals_for_user,
)
from emails.services.dashboard_cache import dashboard_cached
from mailhelper.typing import UserRequest

CHART_WIDTH = 300
CHART_HEIGHT = 100
COLOURS = ("red", "yellow", "green", "pending")
COLOUR_LABELS = {
    **{colour.value: colour.label for colour in TriageColour},
    "pending": gettext_lazy("not analysed yet"),
}


@dataclass
class Bar:
    x: int
    y: float
    height: float
    colour: str
    label: str


def _account_filter(request: UserRequest, scope: MailScope) -> int | None:
    raw = request.GET.get("account") or ""
    if not raw:
        return None
    if not raw.isdigit() or int(raw) not in scope.account_ids:
        raise Http404("no such account")
    return int(raw)


def chart_bars(charts: Charts) -> list[Bar]:
    """Stacked bars (one per day, red at the bottom) in a 300 × 100 SVG box."""
    bars: list[Bar] = []
    scale = (CHART_HEIGHT - 4) / charts.max_total if charts.max_total else 0
    step = CHART_WIDTH // len(charts.days) if charts.days else CHART_WIDTH
    for index, day in enumerate(charts.days):
        bottom = float(CHART_HEIGHT)
        for colour in COLOURS:
            count = getattr(day, colour)
            if not count:
                continue
            height = max(count * scale, 1.0)
            bottom -= height
            bars.append(
                Bar(
                    x=index * step + 1,
                    y=round(bottom, 2),
                    height=round(height, 2),
                    colour=colour,
                    label=_("%(day)s: %(colour)s %(count)d")
                    % {
                        "day": date_format(day.day, "SHORT_DATE_FORMAT"),
                        "colour": COLOUR_LABELS[colour],
                        "count": count,
                    },
                )
            )
    return bars


def mix_segments(charts: Charts) -> list[dict[str, Any]]:
    """The 30-day priority mix as one horizontal stacked bar (x and width in a 300-wide box)."""
    total = charts.total
    segments = []
    x = 0.0
    for colour in COLOURS:
        count = getattr(charts, colour)
        if not total or not count:
            continue
        width = CHART_WIDTH * count / total
        segments.append(
            {
                "colour": colour,
                "count": count,
                "x": round(x, 2),
                "width": round(width, 2),
                "percent": round(100 * count / total),
                "label": COLOUR_LABELS[colour],
            }
        )
        x += width
    return segments


def _panel_context(request: UserRequest, scope: MailScope) -> dict[str, Any]:
    account_id = _account_filter(request, scope)
    user = request.user
    parts = (account_id, timezone.get_current_timezone_name())
    matrix = dashboard_cached(
        user_id=user.pk,
        name="matrix",
        parts=parts,
        compute=lambda: matrix_for_user(user=user, scope=scope, account_id=account_id),
    )
    charts = dashboard_cached(
        user_id=user.pk,
        name="charts",
        parts=parts,
        compute=lambda: charts_for_user(user=user, scope=scope, account_id=account_id),
    )
    totals = dashboard_cached(
        user_id=user.pk,
        name="totals",
        parts=parts,
        compute=lambda: totals_for_user(user=user, scope=scope, matrix=matrix),
    )
    return {
        "scope": scope,
        "account_id": account_id,
        "matrix": matrix,
        "totals": totals,
        "charts": charts,
        "bars": chart_bars(charts),
        "mix": mix_segments(charts),
        "chart_step": CHART_WIDTH // max(len(charts.days), 1),
    }


def dashboard(request: UserRequest) -> HttpResponse:
    scope = mail_scope_for_user(user=request.user)
    context = _panel_context(request, scope)
    context["statuses"] = account_statuses_for_user(user=request.user, scope=scope)
    return render(request, "emails/dashboard.html", context)


def dashboard_panel(request: UserRequest) -> HttpResponse:
    """Totals, matrix and charts (htmx: refreshed live when mail arrives or is processed)."""
    scope = mail_scope_for_user(user=request.user)
    return render(request, "emails/_dashboard_panel.html", _panel_context(request, scope))


def dashboard_accounts(request: UserRequest) -> HttpResponse:
    """Every account's sync status (htmx: refreshed live when a sync finishes or fails)."""
    scope = mail_scope_for_user(user=request.user)
    statuses = account_statuses_for_user(user=request.user, scope=scope)
    return render(request, "emails/_sync_status.html", {"statuses": statuses, "scope": scope})


@require_POST
def dashboard_sync_now(request: UserRequest, account_id: int) -> HttpResponse:
    """ "Sync now" from the dashboard: owner-checked (404 otherwise), rate-limited, within the user's quota."""
    from accounts.models import MailAccount
    from emails.services.scheduling import sync_now_request

    try:
        result = sync_now_request(user=request.user, account_id=account_id)
    except MailAccount.DoesNotExist:
        raise Http404("no such account") from None
    if not result.queued:
        reasons = {
            "rate_limited": _("A sync was requested moments ago; it will start shortly."),
            "needs_reauth": _("Enter the password again before syncing."),
            "disabled": _("This account is disabled."),
        }
        notice = reasons.get(getattr(result, "reason", ""), _("A sync is already queued or running."))
    else:
        notice = _("Sync queued.")
    if request.headers.get("HX-Request") == "true":
        scope = mail_scope_for_user(user=request.user)
        statuses = account_statuses_for_user(user=request.user, scope=scope)
        return render(
            request,
            "emails/_sync_status.html",
            {"statuses": statuses, "scope": scope, "notice": notice, "notice_account": account_id},
        )
    flash.info(request, notice)
    return redirect("home")
