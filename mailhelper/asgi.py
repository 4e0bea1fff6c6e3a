"""One ASGI application for HTTP and websockets (served by uvicorn)."""

import os

# The web process is the only long-lived one that benefits from a connection pool (see settings).
os.environ.setdefault("DATABASE_POOL", "true")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mailhelper.settings.dev")

from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

# django_redis.client, redis and mailhelper.health are imported here, in one thread, although nothing
# below uses them: requests load them lazily, the first requests run sync code on several threads at
# once, and two threads importing redis at the same moment deadlock Python's import machinery
# ("partially initialized module 'redis.connection'") — seen as 500s on a fresh start.
import django_redis.client  # noqa: E402, F401
import redis  # noqa: E402, F401
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

import mailhelper.health  # noqa: E402, F401
from mailhelper.routing import websocket_urlpatterns  # noqa: E402
from mailhelper.websocket_auth import VerifiedSessionAuthMiddleware  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            VerifiedSessionAuthMiddleware(URLRouter(websocket_urlpatterns))
        ),
    }
)
