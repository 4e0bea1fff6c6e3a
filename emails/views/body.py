"""The mail body document shown inside the detail page's sandboxed iframe.

Isolation, in layers (see docs/ui-detail.md):

1. The HTML went through ``html_make_safe`` (nh3 allow-list: no script, handler, form, meta, base,
   frame, no CSS that fetches; remote images replaced unless allowed) on every request.
2. This response carries its own CSP: ``default-src 'none'; script-src 'none'; img-src 'self' data:``
   (plus ``http: https:`` only when the owner allowed remote images), inline styles only, no forms,
   no base URL, and a ``sandbox`` directive, so even opened directly as a top-level page it runs no
   script and submits nothing.
3. The iframe element is sandboxed without ``allow-scripts``.

``allow-same-origin`` is kept on purpose: without it the document has an opaque origin, its image
requests count as cross-site, the SameSite=Lax session cookie is not sent, and the owner-checked
``cid:`` image view would answer with the login redirect. With scripts disabled by both the sandbox
and the CSP, a same-origin document has no code that could use its origin. It also lets the parent
page's own script size the frame to its content.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET

from emails.sanitize.html_safe import html_make_safe
from emails.selectors import messages_for_user
from emails.services.remote_images import remote_images_allowed

BODY_SANDBOX = "allow-same-origin allow-popups allow-popups-to-escape-sandbox"


def body_csp(*, allow_remote_images: bool) -> str:
    images = "'self' data:" + (" https: http:" if allow_remote_images else "")
    return "; ".join(
        [
            "default-src 'none'",
            f"img-src {images}",
            "style-src 'unsafe-inline'",
            "script-src 'none'",
            "font-src 'none'",
            "connect-src 'none'",
            "media-src 'none'",
            "object-src 'none'",
            "frame-src 'none'",
            "child-src 'none'",
            "form-action 'none'",
            "base-uri 'none'",
            "frame-ancestors 'self'",
            f"sandbox {BODY_SANDBOX}",
        ]
    )


def body_headers(response: HttpResponse, *, allow_remote_images: bool) -> HttpResponse:
    """The body document's own security headers (the global CSP middleware leaves an existing header alone)."""
    response["Content-Security-Policy"] = body_csp(allow_remote_images=allow_remote_images)
    response["X-Frame-Options"] = "SAMEORIGIN"
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def message_body(request: HttpRequest, pk: int) -> HttpResponse:
    """The sanitized HTML body of one of the user's messages, as a standalone document for the iframe."""
    message = get_object_or_404(messages_for_user(user=request.user), pk=pk)
    allowed = remote_images_allowed(user=request.user, message=message)

    def cid_url(content_id: str) -> str:
        return reverse("emails:cid", args=[message.pk, content_id])

    safe = html_make_safe(html=message.html_body or "", allow_remote_images=allowed, cid_url=cid_url)
    html = render_to_string(
        "emails/body.html",
        {"body_html": safe.html, "text": message.text_body if not message.html_body else ""},
    )
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    return body_headers(response, allow_remote_images=allowed)
