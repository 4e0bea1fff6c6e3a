"""Secrets from the environment or from a file named by ``NAME_FILE`` (Docker and systemd secrets)."""

from __future__ import annotations

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured


def env_secret(env: environ.Env, name: str, *, default: str) -> str:
    """``NAME`` from the environment, else the stripped content of the file at ``NAME_FILE``."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        path = Path(file_name)
        if not path.is_file():
            raise ImproperlyConfigured(f"{name}_FILE points at {path}, which is not a readable file")
        return path.read_text(encoding="utf-8").strip()
    return str(env.str(name, default=default))
