"""Pages that belong to no single app: the start page and the error pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from mailhelper.typing import UserRequest


@login_required
def home(request: UserRequest) -> HttpResponse:
    """The start page is the dashboard (matrix, totals, charts, sync status)."""
    from emails.views.dashboard import dashboard

    return dashboard(request)


def _error(request: HttpRequest, status: int, template: str) -> HttpResponse:
    body: str
    try:
        body = render_to_string(template, request=request)
    except Exception:  # an error page must never fail itself
        body = f"<h1>{status}</h1>"
    return HttpResponse(body, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400, "errors/400.html")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403, "errors/403.html")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, "errors/404.html")


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(request, 500, "errors/500.html")


def ratelimited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """django-ratelimit's blocked requests: 429 with a page that says what happened and what to do."""
    response = _error(request, 429, "errors/429.html")
    response["Retry-After"] = "60"
    return response
