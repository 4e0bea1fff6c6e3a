"""Tests that need an outside program skip with install advice, except under CI where they must run."""

from __future__ import annotations

import os
import shutil

import pytest


def running_in_ci() -> bool:
    return os.environ.get("CI") == "true"


def require_program(path_or_name: str, *, install_hint: str) -> str:
    """The program's path; skip (or fail under CI=true) with ``install_hint`` when it is missing."""
    found = path_or_name if os.path.isabs(path_or_name) and os.access(path_or_name, os.X_OK) else None
    found = found or shutil.which(path_or_name)
    if found:
        return found
    message = f"{path_or_name} is not installed: {install_hint}"
    if running_in_ci():
        pytest.fail(message)
    pytest.skip(message)
