"""The per-user websocket through the real ASGI server: own events only; anonymous and foreign origins refused."""

import json

import pytest
from django.conf import settings
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from mailhelper.events import user_event_send
from mailhelper.testing.auth import verified_session_key

pytestmark = pytest.mark.django_db(transaction=True)


def _ws_url(base_url: str) -> str:
    return base_url.replace("http://", "ws://") + "/ws/events/"


def _connect(base_url: str, *, session_key: str | None, origin: str) -> ClientConnection:
    headers = {}
    if session_key:
        headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={session_key}"
    return connect(_ws_url(base_url), additional_headers=headers, origin=Origin(origin), open_timeout=10)


def _ready(socket: ClientConnection) -> None:
    """A ping/pong proves the consumer has joined its group before we send events."""
    socket.send(json.dumps({"type": "ping"}))
    assert json.loads(socket.recv(timeout=10))["event"] == "pong"


def test_user_receives_own_events_and_not_another_users(asgi_server, alice, bob):
    """GIVEN alice and bob connected WHEN an event goes to each group THEN each sees only their own."""
    origin = asgi_server
    with (
        _connect(asgi_server, session_key=verified_session_key(alice), origin=origin) as alice_ws,
        _connect(asgi_server, session_key=verified_session_key(bob), origin=origin) as bob_ws,
    ):
        _ready(alice_ws)
        _ready(bob_ws)
        user_event_send(user_id=bob.pk, event="sync.finished", data={"secret": "bob-only"})
        user_event_send(user_id=alice.pk, event="sync.finished", data={"n": 1})

        assert json.loads(alice_ws.recv(timeout=10)) == {"event": "sync.finished", "data": {"n": 1}}
        assert json.loads(bob_ws.recv(timeout=10))["data"] == {"secret": "bob-only"}
        with pytest.raises(TimeoutError):
            alice_ws.recv(timeout=1)  # bob's event never reached alice


def test_anonymous_websocket_is_refused(asgi_server, alice):
    """GIVEN no session WHEN connecting THEN the server closes the socket without accepting events."""
    with _connect(asgi_server, session_key=None, origin=asgi_server) as socket:
        with pytest.raises(ConnectionClosed):
            socket.recv(timeout=10)
        assert socket.close_code == 4401


def test_unverified_session_is_refused(asgi_server, alice):
    """GIVEN a session that never passed 2FA WHEN connecting THEN it is closed with 4401."""
    from importlib import import_module

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(alice.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = alice.get_session_auth_hash()
    store.save()
    with _connect(asgi_server, session_key=store.session_key, origin=asgi_server) as socket:
        with pytest.raises(ConnectionClosed):
            socket.recv(timeout=10)
        assert socket.close_code == 4401


def test_cross_origin_websocket_is_refused(asgi_server, alice):
    """GIVEN a verified session but a foreign Origin WHEN connecting THEN the handshake is rejected."""
    with pytest.raises((InvalidStatus, ConnectionClosed)):
        with _connect(
            asgi_server, session_key=verified_session_key(alice), origin="http://evil.example"
        ) as socket:
            socket.recv(timeout=10)


def test_same_origin_control_is_accepted(asgi_server, alice):
    """Positive control for the refusals above: same origin + verified session is accepted."""
    with _connect(asgi_server, session_key=verified_session_key(alice), origin=asgi_server) as socket:
        _ready(socket)
