import numpy as np
import pytest

from emails.analysis.embeddings import DEFAULT_MODEL_ID, DIMENSION, MODELS, embed_texts, retrieval_scores


@pytest.mark.parametrize("model_id", sorted(MODELS))
def test_vectors_have_the_model_dimension_and_unit_length(model_id):
    """GIVEN two texts (one empty) WHEN embedded THEN (2, dimension) float32 rows of length 1."""
    vectors = embed_texts(["Die Rechnung ist fällig.", ""], model_id=model_id)
    assert vectors.shape == (2, MODELS[model_id].dimension)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_default_model_is_exposed():
    assert DEFAULT_MODEL_ID in MODELS
    assert MODELS[DEFAULT_MODEL_ID].dimension == DIMENSION == 384


PARAPHRASES = {
    "en": ("Can we move the meeting to Thursday?", "Let's reschedule our call to Thursday.", "The cat sleeps on the sofa."),
    "de": ("Können wir das Meeting auf Donnerstag verschieben?", "Lass uns den Termin auf Donnerstag verlegen.",
           "Die Katze schläft auf dem Sofa."),
}  # fmt: skip


@pytest.mark.parametrize(
    ("model_id", "language"),
    [(DEFAULT_MODEL_ID, "en"), (DEFAULT_MODEL_ID, "de"), ("minilm-l6-int8", "en")],
)
def test_paraphrase_is_closer_than_unrelated(model_id, language):
    """GIVEN a sentence, its paraphrase and an unrelated sentence WHEN embedded THEN the paraphrase is closer."""
    anchor, paraphrase, unrelated = embed_texts(list(PARAPHRASES[language]), model_id=model_id)
    assert float(anchor @ paraphrase) > float(anchor @ unrelated) + 0.05


def test_retrieval_ranks():
    """GIVEN query i answered by document i WHEN ranked THEN ranks count the better-scoring documents."""
    queries = np.array([[1.0, 0.0], [0.0, 1.0]])
    documents = np.array([[0.6, 0.8], [0.6, 0.4]])  # query 1 prefers document 0
    assert retrieval_scores(query_vectors=queries, doc_vectors=documents) == [1, 2]
