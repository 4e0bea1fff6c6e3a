"""Secrets at rest (mail passwords, API keys): Fernet with a rotatable key list, newest first.

``ENCRYPTION_KEYS`` holds url-safe base64 Fernet keys separated by commas. New values are always
encrypted with the first key; every listed key can decrypt, so an operator rotates by putting a new key
in front and running ``manage.py rotate_encryption_keys``.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted with any configured key."""


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("ENCRYPTION_KEYS is empty: secrets cannot be stored")
    try:
        return MultiFernet([Fernet(k.strip().encode()) for k in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(f"ENCRYPTION_KEYS holds an invalid Fernet key: {exc}") from exc


def _current() -> MultiFernet:
    return _fernet(tuple(settings.ENCRYPTION_KEYS))


def secret_encrypt(*, plaintext: str) -> str:
    return _current().encrypt(plaintext.encode("utf-8")).decode("ascii")


def secret_decrypt(*, token: str) -> str:
    if not token:
        return ""
    try:
        return _current().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise SecretUnreadable("no configured encryption key can read this secret") from exc


def secret_rotate(*, token: str) -> str:
    """Re-encrypt ``token`` with the newest key (no-op for empty values)."""
    if not token:
        return token
    try:
        return _current().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise SecretUnreadable("no configured encryption key can read this secret") from exc
