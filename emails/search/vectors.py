"""Vector storage: the embed stage writes here, semantic search and "find similar" read from here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet

from emails.models import LogicalMessage
from emails.models.embedding import EMBEDDING_COLUMNS, MessageEmbedding


class EmbeddingDimensionUnsupported(ValueError):
    """A model's vectors have a dimension we keep no indexed column for."""


def embedding_model_current() -> tuple[str, int]:
    """(model id, dimension) of the configured embedding model: ``settings.EMBEDDING_MODEL_ID`` (and, for a
    provider's model we do not ship, ``settings.EMBEDDING_DIMENSION``), else the local default."""
    from emails.analysis import embeddings

    model_id = getattr(settings, "EMBEDDING_MODEL_ID", None) or embeddings.DEFAULT_MODEL_ID
    info = embeddings.MODELS.get(model_id)
    # EMBEDDING_DIMENSION is optional (absent from mailhelper.settings), so the django-stubs plugin rejects it.
    dimension = info.dimension if info is not None else int(settings.EMBEDDING_DIMENSION)  # type: ignore[misc]
    return model_id, dimension


def embedding_column(dimension: int) -> str:
    try:
        return EMBEDDING_COLUMNS[dimension]
    except KeyError:
        raise EmbeddingDimensionUnsupported(
            f"no vector column for dimension {dimension}; known: {sorted(EMBEDDING_COLUMNS)}"
        ) from None


def vectors_store(
    *, owner_id: int, logical_ids: list[int], model_id: str, vectors: Sequence[Any] | np.ndarray
) -> int:
    """Insert or replace the vectors of ``logical_ids`` (row i of ``vectors`` belongs to ``logical_ids[i]``);
    returns how many rows were written.

    Logical messages that are not ``owner_id``'s (or no longer exist) are skipped, never written. A vector
    of another model for the same message is overwritten: one message, one current vector.
    """
    matrix = np.asarray(vectors, dtype=np.float32)
    if matrix.ndim != 2 or matrix.shape[0] != len(logical_ids):
        raise ValueError(f"expected {len(logical_ids)} vectors, got an array of shape {matrix.shape}")
    if not logical_ids:
        return 0
    if not np.isfinite(matrix).all():
        raise ValueError("vectors contain NaN or infinity")
    dimension = int(matrix.shape[1])
    column = embedding_column(dimension)
    owned = set(
        LogicalMessage.objects.filter(owner_id=owner_id, pk__in=logical_ids).values_list("pk", flat=True)
    )
    rows = {
        logical_id: vector
        for logical_id, vector in zip(logical_ids, matrix, strict=True)
        if logical_id in owned
    }  # the last vector wins when an id repeats
    if not rows:
        return 0
    other_columns = [c for c in EMBEDDING_COLUMNS.values() if c != column]
    objects = []
    for logical_id, vector in rows.items():
        obj = MessageEmbedding(
            owner_id=owner_id, logical_id=logical_id, model_id=model_id, dimension=dimension
        )
        setattr(obj, column, vector)
        for other in other_columns:
            setattr(obj, other, None)
        objects.append(obj)
    with transaction.atomic():
        MessageEmbedding.objects.bulk_create(
            objects,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["logical"],
            update_fields=["model_id", "dimension", column, *other_columns, "embedded_at"],
        )
    return len(objects)


def embeddings_stale(*, user: Any = None) -> QuerySet[MessageEmbedding]:
    """Vectors made by a model other than the configured one (search ignores them; re-embed these)."""
    model_id, _dimension = embedding_model_current()
    qs = MessageEmbedding.objects.exclude(model_id=model_id)
    return qs if user is None else qs.filter(owner=user)


def logical_ids_unembedded(*, owner_id: int, limit: int = 1000) -> list[int]:
    """Logical messages of ``owner_id`` with no vector of the configured model (new, or stale)."""
    model_id, _dimension = embedding_model_current()
    return list(
        LogicalMessage.objects.filter(owner_id=owner_id)
        .exclude(embedding__model_id=model_id)
        .order_by("-pk")
        .values_list("pk", flat=True)[:limit]
    )


def hnsw_search_settings(*, ef_search: int = 100) -> None:
    """For the current transaction: let an HNSW scan keep going until enough rows pass the owner and model
    filters (pgvector ≥ 0.8 iterative scans), instead of returning the few of the first ``ef_search``
    candidates that happen to be ours."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
        cursor.execute("SET LOCAL hnsw.ef_search = %s", [ef_search])
