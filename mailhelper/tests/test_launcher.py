"""The run command's launcher: starts everything on embedded servers, answers HTTP, reuses its data, and
leaves no process behind after Ctrl-C. Tested by really running it."""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import psycopg
import pytest

from mailhelper.embedded import free_port

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _launch(var_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update({"DJANGO_SETTINGS_MODULE": "mailhelper.settings.dev", "PYTHONUNBUFFERED": "1"})
    return subprocess.Popen(
        [sys.executable, "-m", "mailhelper.launcher", "--port", str(port), "--var-dir", str(var_dir)],
        cwd=REPO,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _wait_http(url: str, launcher: subprocess.Popen[bytes], log: Path, timeout: float = 120) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert launcher.poll() is None, log.read_text(errors="replace")
        if "mailhelper is running at" in log.read_text(errors="replace"):
            try:
                return int(urllib.request.urlopen(url, timeout=5).status)
            except urllib.error.HTTPError as exc:
                return exc.code
        time.sleep(0.3)
    raise AssertionError("launcher did not come up:\n" + log.read_text(errors="replace"))


def _processes_of(launcher_pid: int, var_dir: Path, log: Path) -> set[int]:
    """Everything the launcher started: its descendants and the servers that daemonised out of the tree."""
    pids = {p.pid for p in psutil.Process(launcher_pid).children(recursive=True)}
    found = re.search(r"Redis \(embedded\): redis://127.0.0.1:(\d+)", log.read_text())
    assert found, log.read_text()
    redis_port = int(found.group(1))
    pids |= {c.pid for c in psutil.net_connections("tcp") if c.laddr and c.laddr.port == redis_port and c.pid}
    for proc in psutil.process_iter(["pid", "cmdline"]):
        if str(var_dir) in " ".join(proc.info["cmdline"] or []):
            pids.add(proc.info["pid"])
    postmaster = var_dir / "postgres" / "postmaster.pid"
    if postmaster.exists():
        pids.add(int(postmaster.read_text().splitlines()[0]))
    return pids


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _stop(launcher: subprocess.Popen[bytes]) -> None:
    launcher.send_signal(signal.SIGINT)  # what Ctrl-C in a terminal sends
    assert launcher.wait(timeout=60) == 0


def _database_url(log: Path) -> str:
    match = re.search(r"PostgreSQL \(embedded, pgvector\): (\S+)", log.read_text(errors="replace"))
    assert match, log.read_text(errors="replace")
    return match.group(1)


DEMO_MAIL_SQL = """
    SELECT count(m.id) FROM accounts_mailaccount a
    JOIN accounts_user u ON u.id = a.owner_id
    LEFT JOIN emails_message m ON m.account_id = a.id
    WHERE u.username = 'demo' AND a.name = 'Demo mailbox' AND a.kind = 'imap' AND a.imap_security = 'none'
    GROUP BY a.id
"""


def _demo_mail_wait(database_url: str, launcher: subprocess.Popen[bytes], log: Path, timeout: float) -> int:
    """How many messages the demo user's demo account holds once it has at least 200 (or the timeout)."""
    deadline = time.monotonic() + timeout
    count = 0
    while time.monotonic() < deadline:
        assert launcher.poll() is None, log.read_text(errors="replace")
        with psycopg.connect(database_url) as conn:
            row = conn.execute(DEMO_MAIL_SQL).fetchone()
        count = row[0] if row else 0
        if count >= 200:
            return count
        time.sleep(0.5)
    raise AssertionError(f"demo mailbox not synced ({count} messages):\n" + log.read_text(errors="replace"))


def test_launcher_runs_everything_and_leaves_nothing_behind(tmp_path):
    """GIVEN no DATABASE_URL/REDIS_URL WHEN the launcher runs (demo mode) THEN web, workers, beat and the demo
    IMAP server start and answer, and the demo user's demo account fills with the demo mailbox; AFTER Ctrl-C no
    process remains; A SECOND RUN sees the first run's data and reuses the demo mailbox."""
    var_dir = tmp_path / "var"
    port = free_port()
    log = tmp_path / "first.log"
    launched = time.monotonic()
    launcher = _launch(var_dir, port, log)
    try:
        assert _wait_http(f"http://127.0.0.1:{port}/account/login/", launcher, log) == 200
        started = _processes_of(launcher.pid, var_dir, log)
        names = " ".join(" ".join(psutil.Process(p).cmdline()) for p in started if _alive(p))
        for expected in ("uvicorn", "worker", "beat", "postgres", "redis-server", "pymap"):
            assert expected in names, names
        with psycopg.connect(_database_url(log)) as conn:
            conn.execute("CREATE TABLE launcher_marker (note text)")
            conn.execute("INSERT INTO launcher_marker VALUES ('kept')")
        assert _demo_mail_wait(_database_url(log), launcher, log, timeout=60) >= 200
        print(f"demo mail visible {time.monotonic() - launched:.1f}s after the launcher started")
        assert "The demo mailbox is being synced" in log.read_text(errors="replace")
        assert "Demo mailbox (written)" in log.read_text(errors="replace")
    finally:
        _stop(launcher)
    time.sleep(1)
    assert [pid for pid in started if _alive(pid)] == []

    log2 = tmp_path / "second.log"
    launcher = _launch(var_dir, port, log2)
    try:
        _wait_http(f"http://127.0.0.1:{port}/healthz", launcher, log2)
        with psycopg.connect(_database_url(log2)) as conn:
            assert conn.execute("SELECT note FROM launcher_marker").fetchone() == ("kept",)
        assert "Demo mailbox (reused)" in log2.read_text(errors="replace")
    finally:
        _stop(launcher)
