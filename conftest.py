"""Suite-wide fixtures: real Redis hygiene, a real Celery worker, the real ASGI server, Chromium."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django_redis import get_redis_connection

from mailhelper.testing.processes import ManagedProcess, asgi_server_start, worker_start
from mailhelper.testing.requirements import require_program

CHROMIUM = "/usr/bin/chromium"


QUEUES = ("default", "sync", "ai")


def _queues_purge() -> None:
    from mailhelper.health import broker_redis

    broker_redis().delete(*QUEUES)


# Set once the session's worker runs: from then on every transactional test may hand it work (a sync
# commits and queues analysis even when the test never asked for the worker).
_session_worker: tuple[ManagedProcess, str] | None = None
# Whether that worker takes tasks from the queues: only during tests that asked for it. In the others it
# would race the test's own calls (take the account's sync lock, claim a stage the test drives by hand).
_worker_consuming = False


def _worker_consume(want: bool, timeout: float = 15) -> None:
    global _worker_consuming
    if _session_worker is None or want == _worker_consuming:
        return
    from mailhelper.celery import app

    process, hostname = _session_worker
    command = app.control.add_consumer if want else app.control.cancel_consumer
    deadline = time.monotonic() + timeout
    for queue in QUEUES:
        # The solo pool answers between tasks only; the worker is idle here (see _worker_idle_wait).
        while not command(queue, destination=[hostname], reply=True, timeout=1, limit=1):
            if process.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the test worker {hostname} did not confirm {command.__name__}({queue})")
    _worker_consuming = want


def _worker_idle_wait(process: ManagedProcess, hostname: str, timeout: float = 120) -> None:
    """Let the session's worker finish what this test started before the database is flushed: a task
    still holding row locks deadlocks the flush's TRUNCATE (and the next test inherits its rows).

    The solo pool answers control messages only between tasks, so silence means busy, not idle;
    prefetched tasks count too, the queue purge cannot reach them."""
    from mailhelper.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.process.poll() is None:
        inspect = app.control.inspect(destination=[hostname], timeout=1, limit=1)
        active, reserved = inspect.active(), inspect.reserved()
        if active and reserved and not active.get(hostname) and not reserved.get(hostname):
            return
        time.sleep(0.2)
    if process.process.poll() is None:
        raise RuntimeError(f"the test worker {hostname} stayed busy for {timeout}s")


@pytest.fixture(autouse=True)
def _fresh_cache(request: pytest.FixtureRequest) -> Iterator[None]:
    """Rate-limit counters, lockouts, cached sessions and queued tasks never leak from one test into the
    next (tasks queued by one test's sync or actions would otherwise run, on a flushed database, during a
    later test that starts the real worker)."""
    from django.apps import apps

    if not apps.ready:  # a pure-Python test run without the Django plugin
        yield
        return
    for alias in ("default", "sessions"):
        get_redis_connection(alias).flushdb()
    _queues_purge()
    _worker_consume("celery_worker_process" in request.fixturenames)
    yield
    _queues_purge()
    if _session_worker is not None:
        _worker_idle_wait(*_session_worker)


@pytest.fixture(scope="session")
def process_log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("process-logs")


@pytest.fixture(scope="session")
def celery_worker_process(
    django_db_setup: Any, django_db_blocker: Any, process_log_dir: Path
) -> Iterator[ManagedProcess]:
    """One real worker subprocess (solo pool, all queues) on the test database for the whole session.

    Tests that use it need ``@pytest.mark.django_db(transaction=True)`` so the worker sees their rows.
    """
    global _session_worker, _worker_consuming
    with django_db_blocker.unblock():
        process, hostname = worker_start(log_dir=process_log_dir)
    _session_worker, _worker_consuming = (process, hostname), True
    yield process
    _session_worker = None
    process.stop()


@pytest.fixture(scope="session")
def asgi_server(django_db_setup: Any, django_db_blocker: Any, process_log_dir: Path) -> Iterator[str]:
    """The real ASGI server (uvicorn, HTTP + websockets) on the test database; yields its base URL."""
    with django_db_blocker.unblock():
        process, base_url = asgi_server_start(log_dir=process_log_dir)
    yield base_url
    process.stop()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium (``playwright install`` cannot download here), with no background traffic."""
    require_program(CHROMIUM, install_hint="apt-get install chromium (the CI script does this)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture
def alice(db: Any) -> Any:
    from mailhelper.testing.auth import user_create

    return user_create(username="alice")


@pytest.fixture
def bob(db: Any) -> Any:
    from mailhelper.testing.auth import user_create

    return user_create(username="bob")


@pytest.fixture
def charlie(db: Any) -> Any:
    from mailhelper.testing.auth import user_create

    return user_create(username="charlie")


@pytest.fixture
def verified_client(db: Any) -> Any:
    """``verified_client(user)``: a test client logged in as ``user`` with a verified second factor."""
    from mailhelper.testing.auth import verified_client_for

    return verified_client_for
