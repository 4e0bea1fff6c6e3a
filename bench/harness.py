"""What every benchmark needs first: its own embedded PostgreSQL + Redis, Django set up on them, migrated."""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def django_on_embedded_servers(*, name: str, migrate: bool = True) -> Any:
    """Start throwaway servers in a temporary folder (as the tests do), point Django at them, set it up and
    migrate; returns the servers handle (call ``.stop()`` when done)."""
    root = Path(tempfile.mkdtemp(prefix=f"mailhelper-{name}-"))
    root.chmod(0o755)  # the embedded PostgreSQL runs as its own system user when we are root
    atexit.register(shutil.rmtree, root, ignore_errors=True)  # after the servers stopped
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mailhelper.settings.test")
    from mailhelper.embedded import servers_start

    servers = servers_start(root=root, database=name, persistent=False)
    if servers.database_url:
        os.environ["DATABASE_URL"] = servers.database_url
    if servers.redis_url:
        os.environ["REDIS_URL"] = servers.redis_url
    import django

    django.setup()
    logging.disable(logging.WARNING)
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    return servers
