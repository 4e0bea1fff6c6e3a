"""Real IMAP servers for tests and benchmarks: pymap (pip) and Debian's Dovecot, plus a faulty TCP proxy.

Each server runs as a subprocess in its own temporary folder on a free loopback port. ``ImapServer`` has
the helpers tests use to play "another mail client": add a user, APPEND, STORE flags, EXPUNGE, MOVE,
recreate a folder (which gives it a new UIDVALIDITY) and make a Dovecot folder read-only.
``dovecot_start(capability=...)`` makes Dovecot advertise only the given extensions (e.g. CONDSTORE without
QRESYNC), to test the engine's other paths on the same server; the proxy records the commands the client
sent, so a test can tell which path ran.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from imapclient import IMAPClient

from mailhelper.embedded import free_port

DOVECOT = "/usr/sbin/dovecot"
# Dovecot 2.3's own CAPABILITY list without QRESYNC: a CONDSTORE-only server for ``dovecot_start``.
DOVECOT_CONDSTORE_ONLY = (
    "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS "
    "THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS "
    "LIST-EXTENDED I18NLEVEL=1 CONDSTORE ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY "
    "MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY SPECIAL-USE"
)


def _wait_for_port(port: int, *, process: subprocess.Popen[bytes], log: Path, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"IMAP server exited early:\n{log.read_text(errors='replace')[-3000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.settimeout(2)
            if sock.recv(100).startswith(b"* OK"):
                return
        time.sleep(0.05)
    raise RuntimeError(f"IMAP server not ready on port {port}:\n{log.read_text(errors='replace')[-3000:]}")


@dataclass
class ImapServer:
    """A running IMAP server; ``kind`` is "pymap" or "dovecot"."""

    kind: str
    port: int
    root: Path
    process: subprocess.Popen[bytes]
    log_path: Path
    host: str = "127.0.0.1"
    users: dict[str, str] = field(default_factory=dict)
    readonly_dirs: set[Path] = field(default_factory=set)

    # --- lifecycle ---------------------------------------------------------------------------------
    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        for path in self.readonly_dirs:  # without write permission rmtree cannot empty them (unless root)
            with contextlib.suppress(OSError):
                path.chmod(0o755)
        shutil.rmtree(self.root, ignore_errors=True)

    # --- users -------------------------------------------------------------------------------------
    def user_add(self, username: str, password: str = "secret") -> None:  # noqa: S107 - test users
        if self.kind == "pymap":
            from pysasl.hashing import BuiltinHash

            with (self.root / "pymap-etc-passwd").open("a") as passwd:
                passwd.write(f"{username}::1000:1000::{username}:\n")
            with (self.root / "pymap-etc-shadow").open("a") as shadow:
                shadow.write(f"{username}:{BuiltinHash().hash(password)}:::::::\n")
        else:
            users_path = self.root / "users"
            previous = users_path.stat().st_mtime
            with users_path.open("a") as users:
                users.write(f"{username}:{{PLAIN}}{password}\n")
            # Dovecot re-reads the file when its mtime (in whole seconds) changes: make sure it does.
            stamp = max(int(previous) + 1, int(time.time()))
            os.utime(users_path, (stamp, stamp))
        self.users[username] = password
        if self.kind != "pymap":
            self._login_wait(username)

    def _login_wait(self, username: str, timeout: float = 10) -> None:
        """Dovecot notices a changed passwd-file on its next lookup, not always the first: wait until the
        new user can really log in, so tests never race the reload."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with self.client(username):
                    return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    # --- acting as another mail client -------------------------------------------------------------
    @contextlib.contextmanager
    def client(self, username: str) -> Iterator[IMAPClient]:
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=30)
        client.login(username, self.users[username])
        try:
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.logout()

    def folder_create(self, username: str, folder: str) -> None:
        with self.client(username) as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)

    def append(
        self, username: str, folder: str, messages: Iterable[bytes], flags: Iterable[bytes | str] = ()
    ) -> list[int]:
        """APPEND every message; returns the new UIDs (from APPENDUID)."""
        uids = []
        flag_list = list(flags)
        with self.client(username) as client:
            if folder.upper() != "INBOX" and not client.folder_exists(folder):
                client.create_folder(folder)
            for raw in messages:
                response = client.append(folder, raw, flags=flag_list)
                uids.append(_appenduid(response))
        return uids

    def uids(self, username: str, folder: str) -> list[int]:
        with self.client(username) as client:
            client.select_folder(folder, readonly=True)
            return sorted(client.search(["ALL"]))

    def state(
        self, username: str, folders: Iterable[str] | None = None
    ) -> dict[str, dict[str, tuple[str, ...]]]:
        """{folder: {Message-ID: sorted flags}} as the server holds it (\\Recent left out)."""
        out: dict[str, dict[str, tuple[str, ...]]] = {}
        with self.client(username) as client:
            names = (
                list(folders)
                if folders is not None
                else [n if isinstance(n, str) else n.decode() for _f, _d, n in client.list_folders()]
            )
            for name in names:
                client.select_folder(name, readonly=True)
                found = client.search(["ALL"])
                entries: dict[str, tuple[str, ...]] = {}
                if found:
                    for _uid, data in client.fetch(
                        found, [b"FLAGS", b"BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]
                    ).items():
                        header = data[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"].decode("utf-8", "replace")
                        msgid = header.split(":", 1)[1].strip() if ":" in header else ""
                        flags = tuple(
                            sorted(
                                (f.decode() if isinstance(f, bytes) else f)
                                for f in data[b"FLAGS"]
                                if f != b"\\Recent"
                            )
                        )
                        entries[msgid.strip("<>")] = flags
                out[name] = entries
        return out

    def flags_set(
        self, username: str, folder: str, uids: list[int], flags: list[bytes], *, add: bool = True
    ) -> None:
        with self.client(username) as client:
            client.select_folder(folder)
            if add:
                client.add_flags(uids, flags, silent=True)
            else:
                client.remove_flags(uids, flags, silent=True)

    def expunge(self, username: str, folder: str, uids: list[int]) -> None:
        with self.client(username) as client:
            client.select_folder(folder)
            client.add_flags(uids, [b"\\Deleted"], silent=True)
            if b"UIDPLUS" in client.capabilities():
                client.uid_expunge(uids)
            else:
                client.expunge()

    def move(self, username: str, folder: str, uids: list[int], target: str) -> None:
        with self.client(username) as client:
            if not client.folder_exists(target):
                client.create_folder(target)
            client.select_folder(folder)
            client.move(uids, target)

    def folder_recreate(self, username: str, folder: str) -> tuple[int, int]:
        """Delete and recreate ``folder`` with the same messages: returns (old, new) UIDVALIDITY."""
        with self.client(username) as client:
            info = client.select_folder(folder, readonly=True)
            old = int(info[b"UIDVALIDITY"])
            found = client.search(["ALL"])
            saved = []
            if found:
                for _uid, data in sorted(client.fetch(found, [b"FLAGS", b"BODY.PEEK[]"]).items()):
                    saved.append((data[b"BODY[]"], [f for f in data[b"FLAGS"] if f != b"\\Recent"]))
            client.close_folder()
            client.delete_folder(folder)
            new = old
            for _attempt in range(30):  # some servers derive UIDVALIDITY from the clock
                client.create_folder(folder)
                new = int(client.select_folder(folder, readonly=True)[b"UIDVALIDITY"])
                client.close_folder()
                if new != old:
                    break
                client.delete_folder(folder)
                time.sleep(0.2)
            for raw, flags in saved:
                client.append(folder, raw, flags=flags)
        return old, new

    def folder_rename(self, username: str, old: str, new: str) -> None:
        with self.client(username) as client:
            client.rename_folder(old, new)

    def folder_delete(self, username: str, folder: str) -> None:
        with self.client(username) as client:
            client.delete_folder(folder)

    def folder_make_readonly(self, username: str, folder: str) -> None:
        """Take the write permission from the folder's maildir (Dovecot only; a top-level folder other than
        INBOX): Dovecot, which never runs as root here, then answers its SELECT with ``[READ-ONLY]``.

        It also adds an untagged ``NO Internal mailbox synchronization failure, showing only old mails`` (it
        cannot lock its uidlist); mail it had listed before, everything APPENDed included, shows all the same.
        """
        directory = self._maildir(username, folder)
        for path in self._maildir_dirs(directory):
            path.chmod(0o555)
        self.readonly_dirs.update(self._maildir_dirs(directory))

    def folder_make_writable(self, username: str, folder: str) -> None:
        for path in self._maildir_dirs(self._maildir(username, folder)):
            path.chmod(0o755)
            self.readonly_dirs.discard(path)

    def _maildir(self, username: str, folder: str) -> Path:
        if self.kind != "dovecot" or folder.upper() == "INBOX" or "/" in folder:
            raise ValueError(f"cannot make {folder!r} read-only on {self.kind}")
        directory = self.root / "mail" / username / f".{folder}"
        if not directory.is_dir():
            raise ValueError(f"no maildir for {folder!r} at {directory}")
        return directory

    @staticmethod
    def _maildir_dirs(directory: Path) -> list[Path]:
        return [directory, *(directory / sub for sub in ("cur", "new", "tmp"))]


def _appenduid(response: bytes | str) -> int:
    text = response.decode() if isinstance(response, bytes) else str(response)
    if "APPENDUID" in text.upper():
        parts = text.upper().split("APPENDUID", 1)[1].strip(" ]").split()
        return int(parts[1].rstrip("]"))
    return 0


def _temp_root(prefix: str) -> Path:
    root = Path(tempfile.mkdtemp(prefix=prefix))
    root.chmod(0o755)
    return root


def pymap_start(*, log_dir: Path | None = None) -> ImapServer:
    """pymap's maildir backend on a free port; users live in its passwd/shadow files."""
    root = _temp_root("mailhelper-pymap-")
    (root / "pymap-etc-passwd").touch()
    (root / "pymap-etc-shadow").touch()
    port = free_port()
    log_path = (log_dir or root) / f"pymap-{port}.log"
    pymap = Path(sys.executable).with_name("pymap")
    args = [
        str(pymap) if pymap.exists() else "pymap",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-tls",
        "maildir",
        str(root),
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    _wait_for_port(port, process=process, log=log_path)
    return ImapServer(kind="pymap", port=port, root=root, process=process, log_path=log_path)


DOVECOT_CONF = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
mail_location = maildir:{root}/mail/%u
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \\Sent
  }}
  mailbox Trash {{
    special_use = \\Trash
  }}
  mailbox Junk {{
    special_use = \\Junk
  }}
  mailbox Drafts {{
    special_use = \\Drafts
  }}
  mailbox Archive {{
    special_use = \\Archive
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={user} gid={group} home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
protocol imap {{
  mail_max_userip_connections = 100
{capability_line}}}
"""


def dovecot_start(*, log_dir: Path | None = None, capability: str | None = None) -> ImapServer:
    """Debian's Dovecot, unprivileged (as ``nobody`` when we are root) on a free port.

    ``capability`` replaces the CAPABILITY list Dovecot advertises after login (``imap_capability``).
    """
    root = _temp_root("mailhelper-dovecot-")
    port = free_port()
    is_root = os.geteuid() == 0
    user = "nobody" if is_root else pwd.getpwuid(os.geteuid()).pw_name
    group = (
        "nogroup" if is_root else subprocess.run(["id", "-gn"], capture_output=True, text=True).stdout.strip()
    )
    for sub in ("run", "state", "mail"):
        (root / sub).mkdir()
    (root / "users").touch()
    (root / "dovecot.log").touch()
    conf = root / "dovecot.conf"
    capability_line = f"  imap_capability = {capability}\n" if capability else ""
    conf.write_text(
        DOVECOT_CONF.format(root=root, user=user, group=group, port=port, capability_line=capability_line)
    )
    if is_root:
        for path in [root, *root.rglob("*")]:
            shutil.chown(path, user="nobody", group="nogroup")
        args = ["runuser", "-u", "nobody", "--", DOVECOT, "-F", "-c", str(conf)]
    else:
        args = [DOVECOT, "-F", "-c", str(conf)]
    log_path = (log_dir or root) / f"dovecot-{port}.stdout.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_for_port(port, process=process, log=root / "dovecot.log")
    except RuntimeError:
        process.kill()
        raise
    return ImapServer(kind="dovecot", port=port, root=root, process=process, log_path=root / "dovecot.log")


class DroppingProxy:
    """A TCP proxy in front of a server that can cut connections after N bytes from the server.

    ``drop_after(n)`` arms it: the next connection(s) are closed abruptly once ``n`` bytes went from the
    server to the client (the client sees a reset mid-response). ``disarm()`` makes it transparent again.
    ``client_lines`` holds every line the clients sent (LOGIN lines without their arguments), so a test
    can check which commands a sync used; ``client_lines.clear()`` starts afresh.
    """

    def __init__(self, *, upstream_port: int, upstream_host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(50)
        self.port = self.listener.getsockname()[1]
        self.limit: int | None = None
        self.drops = 0
        self.client_lines: list[str] = []
        self._closed = False
        self._thread = threading.Thread(target=self._accept_loop, name="dropping-proxy", daemon=True)
        self._thread.start()

    def drop_after(self, n_bytes: int) -> None:
        self.limit = n_bytes

    def disarm(self) -> None:
        self.limit = None

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self.listener.close()

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                downstream, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(downstream, self.limit), daemon=True).start()

    def _serve(self, downstream: socket.socket, limit: int | None) -> None:
        try:
            upstream = socket.create_connection(self.upstream, timeout=10)
        except OSError:
            downstream.close()
            return
        state = {"sent": 0, "dropped": False}
        pending = bytearray()

        def record(data: bytes) -> None:
            pending.extend(data)
            *lines, rest = bytes(pending).split(b"\r\n")
            pending[:] = rest
            for line in lines:
                text = line.decode("utf-8", "replace")
                words = text.split(" ", 2)
                if len(words) > 1 and words[1].upper() in ("LOGIN", "AUTHENTICATE"):
                    text = " ".join(words[:2])  # no passwords in test reports
                self.client_lines.append(text)

        def cut() -> None:
            for sock in (downstream, upstream):
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    # close() alone waits for the other pump thread's blocked recv() on the same socket, so
                    # the client would hang until its own timeout instead of seeing the drop at once.
                    sock.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    sock.close()

        def pump(src: socket.socket, dst: socket.socket, counted: bool) -> None:
            try:
                while True:
                    data = src.recv(65536)
                    if not data:
                        break
                    if not counted:
                        record(data)
                    if counted and limit is not None and state["sent"] + len(data) >= limit:
                        allowed = max(0, limit - state["sent"])
                        if allowed:
                            dst.sendall(data[:allowed])
                        state["dropped"] = True
                        self.drops += 1
                        cut()
                        return
                    dst.sendall(data)
                    if counted:
                        state["sent"] += len(data)
            except OSError:
                pass
            finally:
                if not state["dropped"]:
                    for sock in (src, dst):
                        with contextlib.suppress(OSError):
                            sock.shutdown(socket.SHUT_RDWR)

        threading.Thread(target=pump, args=(downstream, upstream, False), daemon=True).start()
        pump(upstream, downstream, True)
