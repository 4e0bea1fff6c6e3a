"""Nothing but the login pages without a 2FA-verified session: views, htmx endpoints, websockets, the admin."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from accounts.tests.auth_helpers import HOME_URL, OTP_URL
from mailhelper.testing.auth import password_only_client_for, verified_session_key

PAGES = [
    HOME_URL,
    reverse("accounts:security"),
    reverse("accounts:sessions"),
    reverse("accounts:password_change"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
def test_pages_need_a_verified_session(url, alice, verified_client):
    """GIVEN a page WHEN opened anonymously or with the password only THEN login / 2FA; verified THEN 200."""
    assert verified_client(alice).get(url).status_code == 200
    anonymous = Client().get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("accounts:login") + "?next=")
    unverified = password_only_client_for(alice).get(url)
    assert unverified.status_code == 302
    assert unverified["Location"] == OTP_URL


@pytest.mark.django_db
def test_htmx_requests_get_401_with_hx_redirect(alice, verified_client):
    """GIVEN an htmx request WHEN the session is missing or unverified THEN 401 + HX-Redirect, no login page."""
    headers = {"HX-Request": "true"}
    assert verified_client(alice).get(reverse("accounts:sessions"), headers=headers).status_code == 200
    anonymous = Client().get(reverse("accounts:sessions"), headers=headers)
    assert anonymous.status_code == 401
    assert anonymous["HX-Redirect"] == reverse("accounts:login")
    assert anonymous.content == b""
    unverified = password_only_client_for(alice).post(reverse("accounts:recovery_codes_new"), headers=headers)
    assert unverified.status_code == 401
    assert unverified["HX-Redirect"] == OTP_URL


@pytest.mark.django_db
def test_admin_is_for_verified_staff_only(verified_client, db):
    """GIVEN a staff user WHEN the admin is opened unverified or by verified non-staff THEN refused; verified staff THEN 200."""
    from mailhelper.testing.auth import user_create

    operator = user_create(username="operator", is_staff=True, is_superuser=True)
    assert verified_client(operator).get("/admin/").status_code == 200
    assert password_only_client_for(operator).get("/admin/")["Location"] == OTP_URL
    assert Client().get("/admin/")["Location"].startswith(reverse("accounts:login"))
    plain = user_create(username="plain")
    response = verified_client(plain).get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_login_pages_stay_public(db):
    """GIVEN no session WHEN the login and reset pages are opened THEN they render (a redirect loop would not)."""
    for url in (reverse("accounts:login"), reverse("accounts:password_reset")):
        assert Client().get(url).status_code == 200


def _ws_url(base: str) -> str:
    return base.replace("http://", "ws://") + "/ws/events/"


def _cookie(session_key: str) -> dict[str, str]:
    return {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}"}


@pytest.mark.django_db(transaction=True)
def test_websocket_needs_a_verified_session(asgi_server):
    """GIVEN the real ASGI server WHEN a verified session connects THEN ping/pong; unverified or none THEN refused."""
    from mailhelper.testing.auth import user_create

    erin = user_create(username="erin")
    headers = {"Origin": asgi_server, **_cookie(verified_session_key(erin))}
    with connect(_ws_url(asgi_server), additional_headers=headers, open_timeout=10) as socket:
        socket.send(json.dumps({"type": "ping"}))
        assert json.loads(socket.recv(timeout=10))["event"] == "pong"

    client = password_only_client_for(erin)
    unverified_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    for refused in ({"Origin": asgi_server, **_cookie(unverified_key)}, {"Origin": asgi_server}):
        assert _refusal_code(asgi_server, refused) == 4401


def _refusal_code(base: str, headers: dict[str, str]) -> int | None:
    """How the server refused the socket: the HTTP status of a rejected handshake or the close code."""
    try:
        with connect(_ws_url(base), additional_headers=headers, open_timeout=10) as socket:
            socket.send(json.dumps({"type": "ping"}))
            socket.recv(timeout=10)
    except InvalidStatus as rejected:
        return rejected.response.status_code
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
    return None
