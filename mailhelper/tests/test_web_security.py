"""Security headers, a strict CSP with no inline script anywhere, CSRF, and static files from WhiteNoise."""

import re

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES = ["home", "accounts:security", "accounts:sessions", "mailaccounts:list"]


def _csp(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part for part in (p.strip() for p in header.split(";")) if part}


@pytest.mark.parametrize("name", PAGES)
def test_pages_send_a_strict_csp_and_security_headers(verified_client, alice, name):
    """GIVEN a verified user WHEN opening an app page THEN CSP forbids inline script and framing."""
    response = verified_client(alice).get(reverse(name))
    assert response.status_code == 200
    csp = _csp(response)
    assert csp["script-src"] == "script-src 'self'"
    assert "'unsafe-inline'" not in csp["style-src"]
    assert csp["frame-ancestors"] == "frame-ancestors 'none'"
    assert csp["object-src"] == "object-src 'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("name", PAGES)
def test_pages_contain_no_inline_script_style_or_handlers(verified_client, alice, name):
    """GIVEN the CSP forbids inline code WHEN rendering app pages THEN none is there to be blocked."""
    html = verified_client(alice).get(reverse(name)).content.decode()
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert re.findall(r"<style\b", html) == []
    assert re.findall(r"\son[a-z]+\s*=", html) == []
    assert re.findall(r"\sstyle\s*=", html) == []


def test_forms_reject_posts_without_a_csrf_token(alice):
    """GIVEN a client that enforces CSRF WHEN posting without a token THEN it is refused (403)."""
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "alice", "password": "x"})
    assert response.status_code == 403


def test_static_files_are_served_by_whitenoise(client):
    """GIVEN the vendored assets WHEN requested THEN they are served without any CDN."""
    for path in ("/static/css/app.css", "/static/js/app.js", "/static/django_htmx/htmx-2.min.js"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert b"".join(response.streaming_content)
