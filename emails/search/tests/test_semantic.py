"""Semantic search, "find similar" and hybrid fusion on real pgvector."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from django.db import connection, transaction
from django.test import override_settings

from emails.analysis.embeddings import DEFAULT_MODEL_ID, MODELS
from emails.models import LogicalMessage
from emails.search import selectors
from emails.search.selectors import search_for_user, semantic_search_sql, similar_messages, vector_literal
from emails.search.tests.mail import mail_make
from emails.search.vectors import hnsw_search_settings, vectors_store

OTHER_MODEL_ID = next(m for m in MODELS if m != DEFAULT_MODEL_ID)  # "the model before a change"

pytestmark = pytest.mark.django_db
MODEL = DEFAULT_MODEL_ID


def direction(*weights: float) -> np.ndarray:
    """A unit vector mostly along the first few axes: close directions ↔ similar meaning."""
    vector = np.zeros(384, dtype=np.float32)
    vector[: len(weights)] = weights
    vector[383] = 0.05
    return vector / np.linalg.norm(vector)


def real_model_available() -> bool:
    try:
        from emails.analysis.embeddings import embed_texts

        embed_texts(["probe"], model_id=MODEL)
    except Exception:  # any failure means "not here"
        return False
    return True


def test_paraphrase_ranks_above_unrelated_mail_with_the_real_model(alice: Any) -> None:
    """GIVEN mails embedded by the local model WHEN alice asks in other words THEN the paraphrased mail
    comes first, and nonsense matches nothing."""
    if not real_model_available():
        pytest.skip("the local embedding model cannot run here; the deterministic tests below still run")
    from emails.analysis.embeddings import embed_texts, embedding_text

    mails = [
        mail_make(alice, subject="Team lunch on Friday", body="Let's meet at the Italian place at noon."),
        mail_make(alice, subject="Server outage tonight", body="The database cluster is down from 22:00."),
        mail_make(alice, subject="Quarterly numbers", body="Revenue grew 12 percent, see the slides."),
    ]
    vectors = embed_texts(
        [embedding_text(subject=m.subject, body=m.text_body) for m in mails], model_id=MODEL
    )
    vectors_store(
        owner_id=alice.pk, logical_ids=[m.logical_id for m in mails], model_id=MODEL, vectors=vectors
    )
    hits = search_for_user(user=alice, query="where do we eat lunch", mode="semantic")
    assert hits
    assert hits[0].subject == "Team lunch on Friday"
    nonsense = search_for_user(user=alice, query="zyxwv qqq", mode="semantic")
    assert nonsense == []  # below the similarity floor


@pytest.fixture
def fake_query_vector(monkeypatch: pytest.MonkeyPatch) -> dict[str, np.ndarray]:
    """Queries embedded by a lookup table instead of the model (deterministic)."""
    table: dict[str, np.ndarray] = {}
    monkeypatch.setattr(selectors, "query_vector", lambda query: table.get(query))
    monkeypatch.setattr(selectors, "similarity_floor", lambda: 0.5)
    return table


def test_semantic_search_ranks_by_cosine_and_applies_the_floor(alice: Any, fake_query_vector: Any) -> None:
    """GIVEN three mails in known directions WHEN querying near the first THEN it comes first, the
    second-nearest next, and the orthogonal one not at all (below the similarity floor)."""
    near = mail_make(alice, subject="near")
    middle = mail_make(alice, subject="middle")
    far = mail_make(alice, subject="far")
    vectors_store(
        owner_id=alice.pk,
        logical_ids=[near.logical_id, middle.logical_id, far.logical_id],
        model_id=MODEL,
        vectors=[direction(1, 0.1), direction(1, 0.8), direction(0, 0, 1)],
    )
    fake_query_vector["q"] = direction(1, 0)
    hits = search_for_user(user=alice, query="q", mode="semantic")
    assert [h.subject for h in hits] == ["near", "middle"]
    assert hits[0].rank > hits[1].rank > 0.5
    assert {h.matched_by for h in hits} == {"semantic"}


def test_vectors_of_another_model_are_ignored(alice: Any, fake_query_vector: Any) -> None:
    """GIVEN a mail whose vector came from the old model WHEN the configured model changes THEN semantic
    search and "find similar" ignore it until it is re-embedded."""
    old = mail_make(alice, subject="old vector")
    other = mail_make(alice, subject="other")
    ids = [old.logical_id, other.logical_id]
    vectors_store(
        owner_id=alice.pk, logical_ids=ids, model_id=MODEL, vectors=[direction(1), direction(1, 0.2)]
    )
    fake_query_vector["q"] = direction(1)
    assert [h.subject for h in search_for_user(user=alice, query="q", mode="semantic")] == [
        "old vector",
        "other",
    ]
    with override_settings(EMBEDDING_MODEL_ID=OTHER_MODEL_ID):
        assert search_for_user(user=alice, query="q", mode="semantic") == []
        assert similar_messages(user=alice, logical_id=old.logical_id) == []
        vectors_store(
            owner_id=alice.pk, logical_ids=[old.logical_id], model_id=OTHER_MODEL_ID, vectors=[direction(1)]
        )
        assert [h.subject for h in search_for_user(user=alice, query="q", mode="semantic")] == ["old vector"]


def test_find_similar_is_owner_scoped_and_excludes_the_message_itself(alice: Any, bob: Any) -> None:
    """GIVEN alice's mail, a close one of hers and a closer one of bob's WHEN alice asks for similar mail
    THEN only hers (not itself, never bob's); bob cannot ask about alice's message."""
    source = mail_make(alice, subject="source")
    close = mail_make(alice, subject="close")
    far = mail_make(alice, subject="far")
    bobs = mail_make(bob, subject="bob's twin")
    vectors_store(
        owner_id=alice.pk,
        logical_ids=[source.logical_id, close.logical_id, far.logical_id],
        model_id=MODEL,
        vectors=[direction(1), direction(1, 0.3), direction(0, 1)],
    )
    vectors_store(owner_id=bob.pk, logical_ids=[bobs.logical_id], model_id=MODEL, vectors=[direction(1)])
    hits = similar_messages(user=alice, logical_id=source.logical_id)
    assert [h.subject for h in hits] == ["close", "far"]
    assert hits[0].message_id == close.pk
    assert similar_messages(user=bob, logical_id=source.logical_id) == []
    assert [h.subject for h in similar_messages(user=bob, logical_id=bobs.logical_id)] == []


def test_hybrid_fuses_text_and_semantic_hits(alice: Any, fake_query_vector: Any) -> None:
    """GIVEN one mail found by words and meaning, one only by words, one only by meaning, one by neither
    WHEN searching hybrid THEN the first three come back, the one found both ways first."""
    both = mail_make(alice, subject="Invoice for March", body="amount due")
    words = mail_make(alice, subject="Old invoice archive", body="nothing else")
    meaning = mail_make(alice, subject="Payment request", body="please transfer the money")
    neither = mail_make(alice, subject="Lunch", body="pizza")
    vectors_store(
        owner_id=alice.pk,
        logical_ids=[both.logical_id, words.logical_id, meaning.logical_id, neither.logical_id],
        model_id=MODEL,
        vectors=[direction(1, 0.1), direction(0, 0, 1), direction(1, 0.2), direction(0, 1)],
    )
    fake_query_vector["invoice"] = direction(1)
    hits = search_for_user(user=alice, query="invoice", mode="hybrid")
    assert (hits[0].subject, hits[0].matched_by) == ("Invoice for March", "both")
    assert {(h.subject, h.matched_by) for h in hits[1:]} == {
        ("Old invoice archive", "text"),
        ("Payment request", "semantic"),
    }
    text_only = search_for_user(user=alice, query="invoice", mode="text")
    assert {h.subject for h in text_only} == {"Invoice for March", "Old invoice archive"}


def test_hybrid_falls_back_to_text_without_an_embedding_model(alice: Any, fake_query_vector: Any) -> None:
    """GIVEN no usable query vector WHEN searching hybrid THEN the text hits still come back."""
    mail_make(alice, subject="Invoice")
    assert [(h.subject, h.matched_by) for h in search_for_user(user=alice, query="invoices")] == [
        ("Invoice", "text")
    ]


def test_owner_filtered_vector_query_uses_the_hnsw_index_and_is_not_starved(alice: Any, bob: Any) -> None:
    """GIVEN thousands of vectors, most of them bob's and nearest to the query WHEN alice's nearest are
    asked with iterative scans on THEN the plan walks the HNSW index and alice still gets her full limit."""
    rng = np.random.default_rng(7)
    for owner, count, offset in ((alice, 2500, 0.0), (bob, 2500, 3.0)):
        logicals = LogicalMessage.objects.bulk_create(
            [LogicalMessage(owner=owner, fingerprint=f"v{owner.pk}-{i}") for i in range(count)]
        )
        vectors = rng.standard_normal((count, 384)).astype(np.float32)
        vectors[:, 0] += offset  # bob's vectors crowd the query's neighbourhood
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors_store(
            owner_id=owner.pk, logical_ids=[lm.pk for lm in logicals], model_id=MODEL, vectors=vectors
        )
    query = direction(1)
    params = {"vector": vector_literal(query), "owner_id": alice.pk, "model_id": MODEL, "limit": 20}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ANALYZE emails_messageembedding")
        hnsw_search_settings(ef_search=40)
        cursor.execute("EXPLAIN " + semantic_search_sql(column="embedding_384"), params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute(semantic_search_sql(column="embedding_384"), params)
        rows = cursor.fetchall()
    assert "message_embedding_384_hnsw" in plan, plan
    assert len(rows) == 20
