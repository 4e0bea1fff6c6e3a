"""One search box over a user's mail: full-text (German + English, accent-blind), semantic, or both fused."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import numpy as np
from django.conf import settings
from django.db import connection, transaction

from emails.models import Message
from emails.search.vectors import embedding_column, embedding_model_current, hnsw_search_settings
from mailhelper.text import text_without_controls

logger = logging.getLogger(__name__)

Mode = Literal["hybrid", "text", "semantic"]
MatchedBy = Literal["text", "semantic", "both"]
RRF_K = 60  # the usual reciprocal-rank-fusion constant: damps the weight of the very first ranks
# A query "matches" a mail semantically only above this cosine similarity: nearest neighbours always exist,
# even for nonsense, and e5's similarities sit in a narrow band (unrelated ≈ 0.75–0.80, related ≥ 0.83).
SIMILARITY_FLOOR: dict[str, float] = {"e5-small-q4": 0.82, "minilm-l6-int8": 0.35}
QUERY_MAX_CHARS = 500


@dataclass(frozen=True, slots=True)
class SearchHit:
    logical_id: int
    message_id: int  # pk of a representative Message row (the oldest copy), for links
    subject: str
    sender: str
    received_at: datetime
    rank: float
    matched_by: MatchedBy


# ---- full text -----------------------------------------------------------------------------------------

TEXT_SEARCH_SQL = """
SELECT s.logical_id, ts_rank_cd(s.document, mh_search_query(%(query)s), 1) AS rank
FROM emails_messagesearch s
WHERE s.owner_id = %(owner_id)s AND s.document @@ mh_search_query(%(query)s)
ORDER BY rank DESC, s.received_at DESC NULLS LAST, s.logical_id DESC
LIMIT %(limit)s
"""


def text_search(*, owner_id: int, query: str, limit: int) -> list[tuple[int, float]]:
    """(logical id, ts_rank_cd) of the owner's mail matching ``query`` (web-search syntax: "phrase",
    -word, or), best first."""
    query = text_without_controls(query)[:QUERY_MAX_CHARS]
    if not query.strip():
        return []
    with connection.cursor() as cursor:
        cursor.execute(TEXT_SEARCH_SQL, {"query": query, "owner_id": owner_id, "limit": limit})
        return [(row[0], float(row[1])) for row in cursor.fetchall()]


# ---- semantic ------------------------------------------------------------------------------------------


def semantic_search_sql(*, column: str, exclude: bool = False) -> str:
    """Nearest vectors of one owner and model by cosine distance, in an order the HNSW index can serve."""
    return f"""
    SELECT e.logical_id, e.{column} <=> %(vector)s::vector AS distance
    FROM emails_messageembedding e
    WHERE e.owner_id = %(owner_id)s AND e.model_id = %(model_id)s
      {"AND e.logical_id <> %(exclude)s" if exclude else ""}
    ORDER BY e.{column} <=> %(vector)s::vector
    LIMIT %(limit)s
    """  # noqa: S608 - column comes from EMBEDDING_COLUMNS, never from input


def vector_literal(vector: np.ndarray) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in np.asarray(vector, dtype=np.float32).ravel()) + "]"


def semantic_search(
    *, owner_id: int, vector: np.ndarray, limit: int, exclude_logical_id: int | None = None
) -> list[tuple[int, float]]:
    """(logical id, cosine similarity) of the owner's mail nearest to ``vector``, among vectors of the
    configured model only; best first.

    The HNSW scan runs with ``hnsw.iterative_scan = relaxed_order`` (pgvector ≥ 0.8): when most index
    neighbours belong to other users or another model, the scan continues instead of returning fewer
    rows than asked. Relaxed order can return a few rows slightly out of order, so we re-sort.
    """
    model_id, dimension = embedding_model_current()
    if vector.shape[-1] != dimension:
        raise ValueError(f"query vector has {vector.shape[-1]} dimensions, the model {dimension}")
    sql = semantic_search_sql(column=embedding_column(dimension), exclude=exclude_logical_id is not None)
    params: dict[str, str | int | None] = {
        "vector": vector_literal(vector),
        "owner_id": owner_id,
        "model_id": model_id,
        "limit": limit,
        "exclude": exclude_logical_id,
    }
    with transaction.atomic():
        hnsw_search_settings(ef_search=max(100, limit * 2))
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    return sorted(((row[0], 1.0 - float(row[1])) for row in rows), key=lambda r: -r[1])


def query_vector(query: str) -> np.ndarray | None:
    """The query embedded by the configured model, or None when that model cannot run here (a provider's
    model, a missing package): search then falls back to full text."""
    from emails.analysis.embeddings import MODELS, embed_texts

    model_id, _dimension = embedding_model_current()
    if model_id not in MODELS:
        return None
    text = text_without_controls(query)[:QUERY_MAX_CHARS]
    try:
        return embed_texts([text], model_id=model_id, kind="query")[0]
    except (ImportError, OSError, RuntimeError) as exc:
        logger.warning("semantic search unavailable (%s): %s", model_id, exc.__class__.__name__)
        return None


def similarity_floor() -> float:
    configured = getattr(settings, "SEARCH_SEMANTIC_MIN_SIMILARITY", None)
    if configured is not None:
        return float(configured)
    return SIMILARITY_FLOOR.get(embedding_model_current()[0], 0.0)


# ---- results ---------------------------------------------------------------------------------------------


def hits_build(*, owner_id: int, ranked: list[tuple[int, float, MatchedBy]]) -> list[SearchHit]:
    """SearchHits in the given order, described by each logical message's oldest copy; logical messages
    with no copy left (expunged everywhere) are dropped."""
    if not ranked:
        return []
    copies = (
        Message.objects.filter(owner_id=owner_id, logical_id__in=[r[0] for r in ranked])
        .order_by("logical_id", "id")
        .distinct("logical_id")
        .values("id", "logical_id", "subject", "from_name", "from_address", "received_at")
    )
    by_logical = {c["logical_id"]: c for c in copies}
    hits = []
    for logical_id, rank, matched_by in ranked:
        copy = by_logical.get(logical_id)
        if copy is None:
            continue
        sender = copy["from_name"] or copy["from_address"]
        if copy["from_name"] and copy["from_address"]:
            sender = f"{copy['from_name']} <{copy['from_address']}>"
        hits.append(
            SearchHit(
                logical_id=logical_id,
                message_id=copy["id"],
                subject=copy["subject"],
                sender=sender,
                received_at=copy["received_at"],
                rank=rank,
                matched_by=matched_by,
            )
        )
    return hits


def rank_fuse(
    *, text: list[tuple[int, float]], semantic: list[tuple[int, float]], limit: int
) -> list[tuple[int, float, MatchedBy]]:
    """Reciprocal rank fusion: each list adds 1 / (RRF_K + rank); a mail found both ways comes first."""
    scores: dict[int, float] = {}
    found: dict[int, set[MatchedBy]] = {}
    sources: tuple[tuple[MatchedBy, list[tuple[int, float]]], ...] = (("text", text), ("semantic", semantic))
    for source, results in sources:
        for position, (logical_id, _score) in enumerate(results, start=1):
            scores[logical_id] = scores.get(logical_id, 0.0) + 1.0 / (RRF_K + position)
            found.setdefault(logical_id, set()).add(source)
    order = sorted(scores, key=lambda i: (-scores[i], -i))[:limit]
    return [(i, scores[i], "both" if len(found[i]) == 2 else next(iter(found[i]))) for i in order]


def search_for_user(*, user: Any, query: str, limit: int = 50, mode: Mode = "hybrid") -> list[SearchHit]:
    """The user's mail matching ``query``, best first; never anyone else's.

    ``text``: PostgreSQL full-text search, ranked by ts_rank_cd. ``semantic``: nearest vectors of the
    configured model above a similarity floor. ``hybrid``: both, fused by reciprocal rank (falls back to
    text when no embedding model can run).
    """
    if mode not in ("hybrid", "text", "semantic"):
        raise ValueError(f"unknown search mode {mode!r}")
    query = " ".join(text_without_controls(query).split())
    if not query or limit <= 0:
        return []
    owner_id = user.pk
    text: list[tuple[int, float]] = []
    semantic: list[tuple[int, float]] = []
    if mode in ("hybrid", "text"):
        text = text_search(owner_id=owner_id, query=query, limit=limit * 2 if mode == "hybrid" else limit)
    if mode in ("hybrid", "semantic"):
        vector = query_vector(query)
        if vector is not None:
            floor = similarity_floor()
            semantic = [
                r
                for r in semantic_search(
                    owner_id=owner_id, vector=vector, limit=limit * 2 if mode == "hybrid" else limit
                )
                if r[1] >= floor
            ]
    if mode == "text":
        return hits_build(owner_id=owner_id, ranked=[(i, s, "text") for i, s in text])
    if mode == "semantic":
        return hits_build(owner_id=owner_id, ranked=[(i, s, "semantic") for i, s in semantic])
    return hits_build(owner_id=owner_id, ranked=rank_fuse(text=text, semantic=semantic, limit=limit))


def similar_messages(*, user: Any, logical_id: int, limit: int = 10) -> list[SearchHit]:
    """The user's mail most similar to one of their messages (nearest vectors, itself excluded); empty when
    the message is not theirs or has no vector of the configured model yet."""
    from emails.models import MessageEmbedding

    model_id, dimension = embedding_model_current()
    column = embedding_column(dimension)
    source = (
        MessageEmbedding.objects.filter(owner=user, logical_id=logical_id, model_id=model_id)
        .values_list(column, flat=True)
        .first()
    )
    if source is None:
        return []
    nearest = semantic_search(
        owner_id=user.pk, vector=np.asarray(source), limit=limit, exclude_logical_id=logical_id
    )
    return hits_build(owner_id=user.pk, ranked=[(i, s, "semantic") for i, s in nearest])


__all__ = ["SearchHit", "search_for_user", "similar_messages"]
