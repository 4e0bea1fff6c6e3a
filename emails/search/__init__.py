"""Full-text, semantic and hybrid search over a user's mail; vector storage for the embed stage.

Public API (imported lazily, so importing this package never touches the app registry):
``search_for_user``, ``similar_messages``, ``SearchHit`` (selectors), ``search_index_update``,
``search_index_missing`` (services), ``vectors_store``, ``embedding_model_current``, ``embeddings_stale``
(vectors).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "SearchHit": "emails.search.selectors",
    "search_for_user": "emails.search.selectors",
    "similar_messages": "emails.search.selectors",
    "search_index_update": "emails.search.services",
    "search_index_missing": "emails.search.services",
    "vectors_store": "emails.search.vectors",
    "embedding_model_current": "emails.search.vectors",
    "embeddings_stale": "emails.search.vectors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'emails.search' has no attribute {name!r}")
    return getattr(import_module(module), name)
