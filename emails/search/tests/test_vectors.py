"""Vector storage: bulk upsert, owner checks, model changes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from django.test import override_settings

from emails.analysis.embeddings import DEFAULT_MODEL_ID, MODELS
from emails.models import MessageEmbedding
from emails.search.tests.mail import mail_make
from emails.search.vectors import (
    EmbeddingDimensionUnsupported,
    embedding_model_current,
    embeddings_stale,
    logical_ids_unembedded,
    vectors_store,
)

OTHER_MODEL_ID = next(m for m in MODELS if m != DEFAULT_MODEL_ID)  # "the model before a change"


def unit(seed: int, dimension: int = 384) -> np.ndarray:
    vector = np.random.default_rng(seed).standard_normal(dimension).astype(np.float32)
    return vector / np.linalg.norm(vector)


def test_current_model_is_the_local_default_unless_configured() -> None:
    """GIVEN no setting WHEN asked THEN the shipped default model; a setting picks another."""
    assert embedding_model_current() == (DEFAULT_MODEL_ID, 384)
    with override_settings(EMBEDDING_MODEL_ID=OTHER_MODEL_ID):
        assert embedding_model_current() == (OTHER_MODEL_ID, 384)


@pytest.mark.django_db
def test_vectors_store_upserts_and_skips_other_owners_messages(alice: Any, bob: Any) -> None:
    """GIVEN alice's two messages and one of bob's WHEN alice's vectors are stored twice THEN two rows
    exist with the second vectors, and bob's message got nothing."""
    a1, a2 = mail_make(alice, subject="one"), mail_make(alice, subject="two")
    b1 = mail_make(bob, subject="three")
    ids = [a1.logical_id, a2.logical_id, b1.logical_id]
    written = vectors_store(
        owner_id=alice.pk, logical_ids=ids, model_id=DEFAULT_MODEL_ID, vectors=[unit(1), unit(2), unit(3)]
    )
    assert written == 2
    assert (
        vectors_store(
            owner_id=alice.pk,
            logical_ids=ids[:2],
            model_id=DEFAULT_MODEL_ID,
            vectors=np.vstack([unit(4), unit(5)]),
        )
        == 2
    )
    rows = {e.logical_id: e for e in MessageEmbedding.objects.all()}
    assert set(rows) == {a1.logical_id, a2.logical_id}
    assert np.allclose(rows[a1.logical_id].embedding_384, unit(4), atol=1e-6)
    assert all(e.owner_id == alice.pk and e.dimension == 384 for e in rows.values())


@pytest.mark.django_db
def test_vectors_store_refuses_a_dimension_without_a_column(alice: Any) -> None:
    """GIVEN a 100-dimensional vector WHEN stored THEN a clear error and no row."""
    message = mail_make(alice, subject="x")
    with pytest.raises(EmbeddingDimensionUnsupported):
        vectors_store(
            owner_id=alice.pk, logical_ids=[message.logical_id], model_id="m", vectors=[unit(1, 100)]
        )
    assert not MessageEmbedding.objects.exists()


@pytest.mark.django_db
def test_model_change_lists_old_vectors_as_stale(alice: Any, bob: Any) -> None:
    """GIVEN vectors of the default model WHEN the configured model changes THEN they are stale (per user
    too) and their messages count as unembedded; re-embedding clears them."""
    a1 = mail_make(alice, subject="one")
    b1 = mail_make(bob, subject="two")
    vectors_store(
        owner_id=alice.pk, logical_ids=[a1.logical_id], model_id=DEFAULT_MODEL_ID, vectors=[unit(1)]
    )
    vectors_store(owner_id=bob.pk, logical_ids=[b1.logical_id], model_id=DEFAULT_MODEL_ID, vectors=[unit(2)])
    assert not embeddings_stale().exists()
    assert logical_ids_unembedded(owner_id=alice.pk) == []
    with override_settings(EMBEDDING_MODEL_ID=OTHER_MODEL_ID):
        assert embeddings_stale().count() == 2
        assert list(embeddings_stale(user=alice).values_list("logical_id", flat=True)) == [a1.logical_id]
        assert logical_ids_unembedded(owner_id=alice.pk) == [a1.logical_id]
        vectors_store(
            owner_id=alice.pk, logical_ids=[a1.logical_id], model_id=OTHER_MODEL_ID, vectors=[unit(3)]
        )
        assert not embeddings_stale(user=alice).exists()
        assert embeddings_stale(user=bob).count() == 1
