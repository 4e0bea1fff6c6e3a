"""manage.py rotate_encryption_keys: everything ends up on the newest key, idempotently, with counts."""

from __future__ import annotations

from io import StringIO

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import CommandError, call_command
from django.test import override_settings

from accounts.mail_testing import mail_account_make
from accounts.models import MailAccount

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def _rotate(*args: str) -> str:
    out = StringIO()
    call_command("rotate_encryption_keys", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def accounts_on_old_key(alice, bob):
    with override_settings(ENCRYPTION_KEYS=[OLD_KEY]):
        a = mail_account_make(owner=alice, password="alice-pw")
        a.smtp_password_set("alice-smtp")
        a.save()
        b = mail_account_make(owner=bob, password="bob-pw")
    return a, b


def test_rotation_moves_every_secret_to_the_newest_key(accounts_on_old_key) -> None:
    """GIVEN secrets under the old key WHEN rotated with [new, old] THEN the new key alone reads them all."""
    with override_settings(ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
        output = _rotate()
    assert "re-encrypted 3" in output
    new_only = Fernet(NEW_KEY.encode())
    for account in MailAccount.objects.all():
        assert new_only.decrypt(account.password_encrypted.encode())
    alice_account = MailAccount.objects.get(pk=accounts_on_old_key[0].pk)
    with override_settings(ENCRYPTION_KEYS=[NEW_KEY]):
        assert alice_account.password == "alice-pw"
        assert alice_account.smtp_password == "alice-smtp"


def test_rotation_is_idempotent(accounts_on_old_key) -> None:
    """GIVEN a completed rotation WHEN it runs again THEN nothing changes and the counts say so."""
    with override_settings(ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
        _rotate()
        before = list(MailAccount.objects.order_by("pk").values_list("password_encrypted", flat=True))
        output = _rotate()
    after = list(MailAccount.objects.order_by("pk").values_list("password_encrypted", flat=True))
    assert "re-encrypted 0, already on the newest key 3" in output
    assert before == after


def test_dry_run_writes_nothing(accounts_on_old_key) -> None:
    """GIVEN secrets under the old key WHEN rotation runs with --dry-run THEN it counts but changes nothing."""
    before = list(MailAccount.objects.order_by("pk").values_list("password_encrypted", flat=True))
    with override_settings(ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
        output = _rotate("--dry-run")
    assert "would re-encrypt 3" in output
    assert list(MailAccount.objects.order_by("pk").values_list("password_encrypted", flat=True)) == before
    with pytest.raises(InvalidToken):
        Fernet(NEW_KEY.encode()).decrypt(before[0].encode())


def test_unreadable_secrets_are_reported_and_fail_the_command(accounts_on_old_key) -> None:
    """GIVEN secrets under a key no longer listed WHEN rotating THEN the command fails naming the count."""
    with override_settings(ENCRYPTION_KEYS=[NEW_KEY]), pytest.raises(CommandError, match="3 secret"):
        _rotate()


def test_output_never_contains_a_secret(accounts_on_old_key) -> None:
    """GIVEN secrets WHEN rotating THEN the report holds counts only, no plaintext and no ciphertext."""
    with override_settings(ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
        output = _rotate()
    assert "alice-pw" not in output
    assert accounts_on_old_key[0].password_encrypted not in output
