"""The analysis result every provider returns, and the strict validation of what an LLM sends back.

An LLM answers with the fields of ``LlmAnalysis`` only; the derived values (score, matrix cell,
colour) are computed, never taken from the model, and ``sources`` is filled in by whoever produced
the answer. Validation is strict: a wrong type, an out-of-range number, an unknown category or an
extra key is an error (``InvalidAnalysis``), never silently clamped or coerced.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

SUMMARY_MAX_CHARS = 600
ACTION_ITEMS_MAX = 10
ACTION_ITEM_MAX_CHARS = 300


class Category(StrEnum):
    ACTION_REQUIRED = "action_required"
    MEETING = "meeting"
    INVOICE_PAYMENT = "invoice_payment"
    NEWSLETTER = "newsletter"
    NOTIFICATION = "notification"
    PERSONAL = "personal"
    SPAM = "spam"
    INFO = "info"


Colour = Literal["red", "yellow", "green"]
Level = Annotated[int, Field(ge=1, le=3, strict=True)]
ActionItem = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=ACTION_ITEM_MAX_CHARS)
]

# The fields an LLM must return, in the order it is asked for them.
LLM_FIELDS: tuple[str, ...] = (
    "urgency",
    "importance",
    "category",
    "summary",
    "action_items",
    "deadline",
    "is_spam",
    "is_newsletter",
    "language",
    "confidence",
)


class InvalidAnalysis(ValueError):
    """An answer does not satisfy the analysis schema; ``str(exc)`` says which field and why."""


def score_for(*, urgency: int, importance: int) -> int:
    """2·urgency + importance: 3 (can wait, minor) … 9 (urgent and important)."""
    return 2 * urgency + importance


def colour_for(score: int) -> Colour:
    if score >= 8:
        return "red"
    if score >= 5:
        return "yellow"
    return "green"


class LlmAnalysis(BaseModel):
    """Exactly what a model is asked to return (see ``llm_json_schema``)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    urgency: Level
    importance: Level
    category: Category
    summary: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=SUMMARY_MAX_CHARS)
    ]
    action_items: Annotated[list[ActionItem], Field(max_length=ACTION_ITEMS_MAX)]
    deadline: datetime | None
    is_spam: bool
    is_newsletter: bool
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]
    confidence: Annotated[float, Field(ge=0.0, le=1.0)]

    @field_validator("category", mode="before")
    @classmethod
    def _category_from_json(cls, value: Any) -> Any:
        # strict mode refuses a plain string for an enum in Python mode; JSON mode accepts it.
        if isinstance(value, str):
            try:
                return Category(value)
            except ValueError as exc:
                raise ValueError(f"unknown category {value!r}") from exc
        return value


class AnalysisResult(LlmAnalysis):
    """A complete analysis: the model's fields plus who decided each one."""

    sources: dict[str, str] = Field(default_factory=dict)

    @property
    def score(self) -> int:
        return score_for(urgency=self.urgency, importance=self.importance)

    @property
    def colour(self) -> Colour:
        return colour_for(self.score)

    @property
    def matrix_cell(self) -> tuple[int, int]:
        """(x, y) = (importance, urgency) in the 3×3 Eisenhower-style matrix."""
        return (self.importance, self.urgency)

    def replace(self, **changes: Any) -> AnalysisResult:
        """A validated copy with ``changes`` applied."""
        data = self.model_dump()
        data.update(changes)
        return AnalysisResult.model_validate(data)


def analysis_parse(raw: str | bytes | dict[str, Any], *, source: str) -> AnalysisResult:
    """Validate a model's answer (JSON text or an already-decoded object) into an ``AnalysisResult``.

    Every field's source is set to ``source``. Raises ``InvalidAnalysis`` on anything that is not
    exactly one JSON object with the schema's fields and value ranges.
    """
    if isinstance(raw, dict):
        text = json.dumps(raw)
    else:
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    try:
        parsed = LlmAnalysis.model_validate_json(text, strict=True)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}" for err in exc.errors()[:5]
        )
        raise InvalidAnalysis(problems or "invalid analysis") from exc
    return AnalysisResult.model_validate(
        {**parsed.model_dump(), "sources": dict.fromkeys(LLM_FIELDS, source)}
    )


def llm_json_schema() -> dict[str, Any]:
    """JSON Schema of ``LlmAnalysis`` in the subset every structured-output mode accepts.

    Written by hand rather than exported from pydantic: OpenAI's strict mode wants every property
    required and ``additionalProperties: false``, and Ollama's grammar and Anthropic's tool input
    take the same plain shape. ``tests/test_schema.py`` checks that it agrees with the model.
    """
    return {
        "type": "object",
        "properties": {
            "urgency": {"type": "integer", "enum": [1, 2, 3], "description": "1 can wait, 2 soon, 3 now"},
            "importance": {
                "type": "integer",
                "enum": [1, 2, 3],
                "description": "1 minor, 2 relevant, 3 major",
            },
            "category": {"type": "string", "enum": [c.value for c in Category]},
            "summary": {"type": "string", "description": "one or two sentences in the user's language"},
            "action_items": {"type": "array", "items": {"type": "string"}, "maxItems": ACTION_ITEMS_MAX},
            "deadline": {
                "type": ["string", "null"],
                "description": "ISO 8601 date-time of the deadline, or null when there is none",
            },
            "is_spam": {"type": "boolean"},
            "is_newsletter": {"type": "boolean"},
            "language": {"type": "string", "description": "ISO 639-1 code of the mail's language"},
            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        },
        "required": list(LLM_FIELDS),
        "additionalProperties": False,
    }
