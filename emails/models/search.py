"""The full-text search document of each logical message (maintained by ``emails.search.services``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models


class MessageSearch(models.Model):
    """One tsvector per logical message: subject (weight A), sender (B) and the start of the text (C), each
    stemmed as German and as English after accent folding (SQL function ``mh_search_document``).

    Kept in its own narrow table rather than on the wide, busy Message row: the sync's bulk inserts stay
    as fast as before, and the GIN index is rebuilt only for what ``search_index_update`` touches.
    """

    logical = models.OneToOneField(
        "emails.LogicalMessage", on_delete=models.CASCADE, primary_key=True, related_name="search"
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    document = SearchVectorField()
    received_at = models.DateTimeField(null=True, blank=True)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            GinIndex(fields=["document"], name="message_search_document_gin"),
            models.Index(fields=["owner", "received_at"], name="message_search_owner_recv"),
        ]

    def __str__(self) -> str:
        return f"search document of {self.logical_id}"
