"""Locating the shared real-world corpus that lives beside the repository, never inside it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def corpus_root() -> Path:
    """The corpus folder: ``$MAILHELPER_CORPUS`` or ``../shared/corpus`` next to the checkout."""
    configured = os.environ.get("MAILHELPER_CORPUS")
    return Path(configured) if configured else REPO_ROOT.parent / "shared" / "corpus"


def corpus_or_skip(*parts: str) -> Path:
    """Return a corpus path; skip the test when it is absent, except under CI where that is an error."""
    path = corpus_root().joinpath(*parts)
    if path.exists():
        return path
    message = f"the shared corpus is not at {path} (set MAILHELPER_CORPUS or place ../shared/corpus)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)
