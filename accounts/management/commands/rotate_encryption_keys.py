"""Re-encrypt every stored secret with the newest key in ENCRYPTION_KEYS.

Rotation: put a new key in front of ENCRYPTION_KEYS (keep the old ones behind it), restart, run this
command, then remove the old keys. Secrets live in model fields whose name ends in ``_encrypted``
(every app follows that convention, so new secret columns are picked up without changes here).
Running it again changes nothing: values already readable with the newest key are left alone.
"""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import models

from mailhelper.crypto import SecretUnreadable, secret_rotate

SECRET_FIELD_SUFFIX = "_encrypted"  # noqa: S105 (a column-name suffix)
BATCH_SIZE = 500


def secret_fields() -> list[tuple[type[models.Model], list[str]]]:
    """Every concrete model with text fields named ``*_encrypted``, with those field names."""
    found = []
    for model in apps.get_models():
        if model._meta.abstract or model._meta.proxy:
            continue
        names = [
            f.name
            for f in model._meta.concrete_fields
            if f.name.endswith(SECRET_FIELD_SUFFIX) and isinstance(f, models.CharField | models.TextField)
        ]
        if names:
            found.append((model, names))
    return found


class Command(BaseCommand):
    help = "Re-encrypt every stored secret (mail passwords, API keys) with the newest ENCRYPTION_KEYS entry."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count what would change; write nothing.")

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        if not settings.ENCRYPTION_KEYS:
            raise CommandError("ENCRYPTION_KEYS is empty: nothing can be decrypted or encrypted.")
        newest = Fernet(settings.ENCRYPTION_KEYS[0].strip().encode())
        rotated = current = unreadable = 0
        for model, fields in secret_fields():
            label = model._meta.label
            for field in fields:
                rows = model._base_manager.exclude(**{field: ""}).order_by("pk").values_list("pk", field)
                for pk, token in rows.iterator(chunk_size=BATCH_SIZE):
                    try:
                        newest.decrypt(token.encode("ascii"))
                        current += 1
                        continue
                    except (InvalidToken, ValueError):
                        pass
                    try:
                        new_token = secret_rotate(token=token)
                    except SecretUnreadable:
                        unreadable += 1
                        self.stderr.write(
                            f"unreadable: {label} pk={pk} field={field} (no configured key reads it)"
                        )
                        continue
                    if not dry_run:
                        # Compare-and-swap: a value changed meanwhile (new password saved) is left to its writer.
                        model._base_manager.filter(pk=pk, **{field: token}).update(**{field: new_token})
                    rotated += 1
        verb = "would re-encrypt" if dry_run else "re-encrypted"
        self.stdout.write(f"{verb} {rotated}, already on the newest key {current}, unreadable {unreadable}")
        if unreadable:
            raise CommandError(
                f"{unreadable} secret(s) cannot be read with any configured key; their owners must re-enter them."
            )
