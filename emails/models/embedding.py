"""One vector per logical message, in a pgvector column per dimension so every vector is HNSW-indexable."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from pgvector.django import HnswIndex, VectorField

# Dimension → column. Adding a model with a new dimension = a new nullable column + its own HNSW index
# + one entry here (and in the check constraint below).
EMBEDDING_COLUMNS: dict[int, str] = {384: "embedding_384"}


class MessageEmbedding(models.Model):
    """The embedding of one logical message by one model.

    ``model_id`` is recorded with every vector: search compares a query only with vectors of the configured
    model (vectors of another model live in a different space even when the dimension matches), and a
    model change re-embeds (``embeddings_stale``) instead of mixing spaces. One row per logical message:
    re-embedding with the new model overwrites the old vector.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    logical = models.OneToOneField(
        "emails.LogicalMessage", on_delete=models.CASCADE, related_name="embedding"
    )
    model_id = models.CharField(max_length=100)
    dimension = models.PositiveSmallIntegerField()
    embedding_384 = VectorField(dimensions=384, null=True, blank=True)
    embedded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(dimension=384, embedding_384__isnull=False),
                name="message_embedding_column_matches_dimension",
            ),
        ]
        indexes = [
            HnswIndex(
                name="message_embedding_384_hnsw",
                fields=["embedding_384"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            ),
            models.Index(fields=["owner", "model_id"], name="message_embedding_owner_model"),
            models.Index(fields=["model_id"], name="message_embedding_model"),
        ]

    def __str__(self) -> str:
        return f"{self.model_id} vector of logical message {self.logical_id}"
