"""Writing the demo mailbox into a pymap Maildir, with pymap's login files (no Django needed).

The generated messages go straight into pymap's Maildir++ layout (one subdirectory per folder, flags in the
file names, the message date as the file time, which pymap reports as INTERNALDATE). It runs once per
directory: a marker file keeps the next start from writing the mailbox again, so UIDs and UIDVALIDITY stay
as the last sync saw them. The launcher calls this in its own process, before Django is set up.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from emails.demo.generator import DEMO_FOLDERS, demo_messages

logger = logging.getLogger(__name__)

DEMO_IMAP_USER = "demo"
SEEDED_MARKER = ".demo-seeded"
PASSWORD_FILE = ".demo-imap-password"  # noqa: S105 - a file name, not a password
_FLAG_LETTERS = {"\\Draft": "D", "\\Flagged": "F", "\\Answered": "R", "\\Seen": "S"}


@dataclass(frozen=True)
class DemoMailbox:
    directory: Path
    username: str
    password: str
    messages: int
    written_now: bool

    def __repr__(self) -> str:  # never the password
        return f"<DemoMailbox {self.directory} user={self.username} messages={self.messages}>"


def _password(directory: Path) -> str:
    path = directory / PASSWORD_FILE
    if path.exists():
        return path.read_text().strip()
    password = "demo-imap-" + secrets.token_urlsafe(12)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password + "\n")
    return password


def _users_write(directory: Path, username: str, password: str) -> None:
    from pysasl.hashing import BuiltinHash

    (directory / "pymap-etc-passwd").write_text(f"{username}::1000:1000::{username}:\n")
    shadow = directory / "pymap-etc-shadow"
    shadow.write_text(f"{username}:{BuiltinHash().hash(password)}:::::::\n")
    shadow.chmod(0o600)


def _maildir_path(user_dir: Path, folder: str) -> Path:
    return user_dir if folder == "INBOX" else user_dir / ("." + folder.replace("/", "."))


def demo_maildir_write(
    *, directory: Path, username: str = DEMO_IMAP_USER, force: bool = False, now: datetime | None = None
) -> DemoMailbox:
    """Write the demo mailbox and pymap's login files into ``directory`` (once; ``force`` writes again)."""
    directory.mkdir(parents=True, exist_ok=True)
    password = _password(directory)
    marker = directory / SEEDED_MARKER
    if marker.exists() and not force:
        count = int(marker.read_text().strip() or 0)
        _users_write(directory, username, password)
        return DemoMailbox(directory, username, password, count, written_now=False)
    user_dir = directory / username
    if force and user_dir.exists():  # a fresh mailbox (new UIDVALIDITY), never the old one plus copies
        shutil.rmtree(user_dir)
    for folder in DEMO_FOLDERS:
        path = _maildir_path(user_dir, folder)
        for sub in ("cur", "new", "tmp"):
            (path / sub).mkdir(parents=True, exist_ok=True)
        if folder != "INBOX":
            (path / "maildirfolder").touch()
    messages = demo_messages(now=now)
    for number, message in enumerate(messages):
        stamp = int(message.date.timestamp())
        letters = "".join(sorted(_FLAG_LETTERS[f] for f in message.flags if f in _FLAG_LETTERS))
        name = f"{stamp}.M{number:05d}P{os.getpid()}.demo:2,{letters}"
        target = _maildir_path(user_dir, message.folder) / "cur" / name
        temporary = _maildir_path(user_dir, message.folder) / "tmp" / name.split(":")[0]
        temporary.write_bytes(message.raw)
        os.utime(temporary, (stamp, stamp))
        temporary.rename(target)  # Maildir delivery: tmp/ then rename, never a half-written message
    _users_write(directory, username, password)
    marker.write_text(f"{len(messages)}\n")
    logger.info("demo mailbox written dir=%s messages=%s", directory, len(messages))
    return DemoMailbox(directory, username, password, len(messages), written_now=True)
