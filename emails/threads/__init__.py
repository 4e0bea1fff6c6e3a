"""Conversations from Message-ID / In-Reply-To / References, with the normalised subject as fallback.

Public API (imported lazily): ``threads_assign`` (service, after each stored batch), ``thread_for_message``
and ``thread_context`` (selectors), ``subject_normalize``.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "threads_assign": "emails.threads.services",
    "ThreadsAssigned": "emails.threads.services",
    "thread_for_message": "emails.threads.selectors",
    "thread_context": "emails.threads.selectors",
    "ThreadMessage": "emails.threads.selectors",
    "subject_normalize": "emails.threads.subjects",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'emails.threads' has no attribute {name!r}")
    return getattr(import_module(module), name)
