"""Test fixtures for mail accounts: a real pymap IMAP server (plain and STARTTLS) and a silent socket.

Test modules import the fixtures they use (``from accounts.mail_testing import pymap_server``).
"""

from __future__ import annotations

import datetime
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mailhelper.embedded import free_port
from mailhelper.testing.requirements import require_program

PYMAP_USER = "demouser"
PYMAP_PASSWORD = "demopass"  # noqa: S105 (the demo account pymap's dict backend creates)


@dataclass(frozen=True)
class ImapServer:
    host: str
    port: int
    username: str
    password: str
    ca_file: Path | None = None


def _pymap_executable() -> str:
    local = Path(sys.executable).with_name("pymap")
    return (
        str(local)
        if local.exists()
        else require_program("pymap", install_hint="uv sync (pymap is a dev dependency)")
    )


def _wait_listening(port: int, process: subprocess.Popen[bytes], *, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"pymap exited early with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                if sock.recv(64).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"pymap did not listen on port {port} within {timeout}s")


def _pymap_start(extra_args: list[str], log_path: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    log = log_path.open("wb")
    process = subprocess.Popen(
        [_pymap_executable(), "--host", "127.0.0.1", "--port", str(port), *extra_args, "dict", "--demo-data"],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_listening(port, process)
    except BaseException:
        process.kill()
        process.wait(timeout=5)
        raise
    return process, port


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def certificate_write(*, directory: Path, host_name: str) -> tuple[Path, Path]:
    """A self-signed certificate (also its own CA) for ``host_name``; returns (cert, key) paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host_name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host_name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / f"{host_name}.crt"
    key_path = directory / f"{host_name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@pytest.fixture(scope="session")
def pymap_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ImapServer]:
    """A real pymap IMAP server (plain IMAP, STARTTLS with pymap's own certificate) with demo data."""
    log_dir = tmp_path_factory.mktemp("pymap")
    process, port = _pymap_start([], log_dir / "pymap.log")
    yield ImapServer(host="127.0.0.1", port=port, username=PYMAP_USER, password=PYMAP_PASSWORD)
    _stop(process)


@pytest.fixture(scope="session")
def pymap_tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ImapServer]:
    """pymap offering STARTTLS with a certificate for "localhost" signed by a CA only tests trust."""
    directory = tmp_path_factory.mktemp("pymap-tls")
    cert, key = certificate_write(directory=directory, host_name="localhost")
    process, port = _pymap_start(["--cert", str(cert), "--key", str(key)], directory / "pymap.log")
    yield ImapServer(host="localhost", port=port, username=PYMAP_USER, password=PYMAP_PASSWORD, ca_file=cert)
    _stop(process)


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A local port that accepts connections and never says a word (to provoke timeouts)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept_forever() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            accepted.append(conn)

    thread = threading.Thread(target=accept_forever, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(timeout=2)
    for conn in accepted:
        conn.close()
    listener.close()


@pytest.fixture
def closed_port() -> int:
    """A loopback port nobody listens on (connections are refused)."""
    return free_port()


def mail_account_make(
    *, owner: Any, server: ImapServer | None = None, password: str | None = None, **fields: Any
) -> Any:
    """A saved MailAccount for ``owner``, pointing at ``server`` (plain IMAP) when given."""
    from accounts.models import MailAccount, Security

    values: dict[str, Any] = {
        "name": f"account {MailAccount.objects.count() + 1}",
        "imap_host": server.host if server else "127.0.0.1",
        "imap_port": server.port if server else 993,
        "imap_security": Security.NONE if server else Security.SSL,
        "username": server.username if server else "someone",
    }
    values.update(fields)
    account = MailAccount(owner=owner, **values)
    account.password_set(
        password if password is not None else (server.password if server else "stored-secret")
    )
    account.save()
    return account
