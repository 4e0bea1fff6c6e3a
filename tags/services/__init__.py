"""Writes to tags: add and remove a tag on a message, create, edit and delete tags."""

from tags.services.tagging import (
    TagError,
    tag_add,
    tag_create,
    tag_delete,
    tag_remove,
    tag_update,
    tags_add_bulk,
)

__all__ = ["TagError", "tag_add", "tag_create", "tag_delete", "tag_remove", "tag_update", "tags_add_bulk"]
