"""Fixtures for the sync tests: real pymap and Dovecot servers, a fresh mailbox per test."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mailhelper.testing.imap_servers import (
    DOVECOT,
    DOVECOT_CONDSTORE_ONLY,
    DroppingProxy,
    ImapServer,
    dovecot_start,
    pymap_start,
)
from mailhelper.testing.requirements import require_program

_counter = itertools.count(1)


@pytest.fixture(scope="session")
def pymap_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ImapServer]:
    server = pymap_start(log_dir=tmp_path_factory.mktemp("pymap-log"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[ImapServer]:
    require_program(DOVECOT, install_hint="apt-get install dovecot-imapd")
    server = dovecot_start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def condstore_only_server() -> Iterator[ImapServer]:
    """Dovecot advertising CONDSTORE without QRESYNC: the engine's other path on the same server."""
    require_program(DOVECOT, install_hint="apt-get install dovecot-imapd")
    server = dovecot_start(capability=DOVECOT_CONDSTORE_ONLY)
    yield server
    server.stop()


@dataclass
class Mailbox:
    """A fresh user on a real IMAP server and alice's MailAccount pointing at it."""

    server: ImapServer
    username: str
    account: Any

    def append(self, folder: str, messages: list[bytes], flags: tuple[bytes, ...] = ()) -> list[int]:
        return self.server.append(self.username, folder, messages, flags)


def mailbox_make(
    server: ImapServer, owner: Any, *, port: int | None = None, **account_fields: Any
) -> Mailbox:
    from accounts.models.mail_account import MailAccount

    username = f"user{next(_counter)}x{server.port}"
    server.user_add(username, "secret")
    account = MailAccount(
        owner=owner,
        name=f"{username}",
        imap_host="127.0.0.1",
        imap_port=port or server.port,
        imap_security="none",
        username=username,
        **account_fields,
    )
    account.password_set("secret")
    account.save()
    return Mailbox(server=server, username=username, account=account)


@pytest.fixture
def pymap_mailbox(pymap_server: ImapServer, alice: Any) -> Mailbox:
    return mailbox_make(pymap_server, alice)


@pytest.fixture
def dovecot_mailbox(dovecot_server: ImapServer, alice: Any) -> Mailbox:
    return mailbox_make(dovecot_server, alice)


@pytest.fixture
def dropping_proxy(dovecot_server: ImapServer) -> Iterator[DroppingProxy]:
    proxy = DroppingProxy(upstream_port=dovecot_server.port)
    yield proxy
    proxy.close()


def message_bytes(
    n: int, *, subject: str | None = None, body: str | None = None, msgid: str | None = None
) -> bytes:
    """A small, valid RFC 822 message with a unique Message-ID."""
    msgid = msgid or f"m{n}.{next(_counter)}@test.example"
    text = (
        f"From: Sender {n} <sender{n}@example.org>\r\n"
        f"To: alice@example.com\r\n"
        f"Subject: {subject or f'message {n}'}\r\n"
        f"Date: Mon, 1 Jan 2024 10:{n % 60:02d}:00 +0000\r\n"
        f"Message-ID: <{msgid}>\r\n"
        f"MIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n"
        f"\r\n"
        f"{body or f'Body of message {n}.'}\r\n"
    )
    return text.encode()


def local_state(account: Any) -> dict[str, dict[str, tuple[str, ...]]]:
    """{folder raw name: {Message-ID: sorted flags}} of the stored copies; asserts there are no duplicates."""
    from emails.models import MailFolder, Message

    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for folder in MailFolder.objects.filter(account=account, is_selectable=True):
        rows = list(
            Message.objects.filter(folder=folder).values_list("message_id", "flags", "uid", "uidvalidity")
        )
        ids = [r[0] for r in rows]
        assert len(ids) == len(set(ids)), f"duplicates in {folder.raw_name}: {sorted(ids)}"
        assert all(r[2] > 0 for r in rows), f"placeholder rows left in {folder.raw_name}"
        assert len({r[3] for r in rows}) <= 1, f"mixed UIDVALIDITY in {folder.raw_name}"
        out[folder.raw_name] = {mid: tuple(sorted(flags)) for mid, flags, _uid, _v in rows}
    return out


def assert_in_step(mailbox: Mailbox, folders: list[str] | None = None) -> None:
    """The local messages equal the server's: same Message-IDs and flags, no duplicates, nothing missing."""
    server = mailbox.server.state(mailbox.username, folders)
    local = local_state(mailbox.account)
    for name, entries in server.items():
        assert local.get(name, {}) == entries, f"folder {name} differs"
    if folders is None:
        assert set(local) <= set(server) | {k for k, v in local.items() if not v}


SyncFn = Callable[..., Any]


@pytest.fixture
def sync() -> SyncFn:
    def run(mailbox: Mailbox, **kwargs: Any) -> Any:
        from emails.services.sync import account_sync

        mailbox.account.refresh_from_db()
        return account_sync(account=mailbox.account, **kwargs)

    return run


@pytest.fixture
def corpus_dir() -> Path:
    from mailhelper.testing.corpus import corpus_or_skip

    return corpus_or_skip()
