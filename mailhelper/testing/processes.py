"""Real server processes for tests: a Celery worker and the ASGI server, both on the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.db import connection

from mailhelper.embedded import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]


def database_url_for(settings_dict: dict[str, object]) -> str:
    """A DATABASE_URL for the given connection settings (TCP host or Unix-socket folder)."""
    user = quote(str(settings_dict.get("USER") or ""))
    password = quote(str(settings_dict.get("PASSWORD") or ""))
    host = str(settings_dict.get("HOST") or "")
    port = str(settings_dict.get("PORT") or "")
    name = quote(str(settings_dict["NAME"]))
    if host.startswith("/"):
        query = f"?host={quote(host)}" + (f"&port={port}" if port else "")
        return f"postgres://{user}:{password}@/{name}{query}"
    return f"postgres://{user}:{password}@{host}{':' + port if port else ''}/{name}"


def test_database_env(**extra: str) -> dict[str, str]:
    """The environment for a child process that must use the test database pytest-django created."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url_for(connection.settings_dict),
            "DJANGO_SETTINGS_MODULE": "mailhelper.settings.test",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


@dataclass
class ManagedProcess:
    process: subprocess.Popen[bytes]
    log_path: Path
    name: str

    def stop(self, *, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def process_start(*, name: str, args: list[str], env: dict[str, str], log_dir: Path) -> ManagedProcess:
    log_path = log_dir / f"{name}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        args, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    return ManagedProcess(process=process, log_path=log_path, name=name)


def wait_until(
    check: Callable[[], bool], *, timeout: float, what: str, process: ManagedProcess | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.process.poll() is not None:
            raise RuntimeError(f"{what}: the process exited early\n{process.log_tail()}")
        if check():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what}: not ready after {timeout}s\n{process.log_tail() if process else ''}")


def worker_start(
    *, log_dir: Path, queues: str = "default,sync,ai", extra_env: dict[str, str] | None = None
) -> tuple[ManagedProcess, str]:
    """A real Celery worker subprocess; returns it and its hostname once its heartbeat is seen."""
    from django.conf import settings

    from mailhelper.health import broker_redis

    hostname = f"test-{uuid.uuid4().hex[:8]}@localhost"
    args = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "mailhelper",
        "worker",
        "--pool=solo",
        "--loglevel=INFO",
        "-Q",
        queues,
        "-n",
        hostname,
        "--without-gossip",
        "--without-mingle",
    ]
    process = process_start(
        name=f"worker-{hostname.split('@')[0]}",
        args=args,
        env=test_database_env(**(extra_env or {})),
        log_dir=log_dir,
    )
    redis = broker_redis()
    wait_until(
        lambda: redis.hexists(
            (extra_env or {}).get("WORKER_HEARTBEAT_KEY", settings.WORKER_HEARTBEAT_KEY), hostname
        ),
        timeout=60,
        what="celery worker",
        process=process,
    )
    return process, hostname


def asgi_server_start(*, log_dir: Path) -> tuple[ManagedProcess, str]:
    """The real ASGI server (uvicorn: HTTP + websockets) as a subprocess; returns it and its base URL."""
    port = free_port()
    args = [
        sys.executable,
        "-m",
        "uvicorn",
        "mailhelper.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--lifespan",
        "off",
    ]
    process = process_start(name="asgi", args=args, env=test_database_env(), log_dir=log_dir)
    base_url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            urllib.request.urlopen(base_url + "/healthz", timeout=2)
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False
        return True

    wait_until(answers, timeout=60, what="ASGI server", process=process)
    return process, base_url
