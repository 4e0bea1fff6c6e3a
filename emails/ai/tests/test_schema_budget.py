"""Result schema strictness, derived score/colour, and the per-user daily budget in Redis."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from emails.ai.budget import BudgetLimits, budget_try_consume, budget_used, seconds_until_utc_midnight
from emails.ai.schema import (
    LLM_FIELDS,
    Category,
    InvalidAnalysis,
    analysis_parse,
    colour_for,
    llm_json_schema,
)

VALID: dict[str, Any] = {
    "urgency": 2, "importance": 1, "category": "meeting", "summary": "A call on Monday.", "action_items": ["Accept"],
    "deadline": None, "is_spam": False, "is_newsletter": False, "language": "en", "confidence": 0.5,
}  # fmt: skip


@pytest.mark.parametrize(
    ("urgency", "importance", "score", "colour"),
    [
        (1, 1, 3, "green"),
        (1, 2, 4, "green"),
        (2, 1, 5, "yellow"),
        (2, 3, 7, "yellow"),
        (3, 2, 8, "red"),
        (3, 3, 9, "red"),
    ],
)
def test_score_and_colour(urgency: int, importance: int, score: int, colour: str) -> None:
    result = analysis_parse({**VALID, "urgency": urgency, "importance": importance}, source="ollama")
    assert result.score == score
    assert result.colour == colour == colour_for(score)
    assert result.matrix_cell == (importance, urgency)


@pytest.mark.parametrize(
    "change",
    [
        {"urgency": 0}, {"urgency": 4}, {"urgency": "3"}, {"urgency": 2.5}, {"importance": True},
        {"category": "urgent"}, {"summary": ""}, {"action_items": "call"}, {"action_items": ["x"] * 11},
        {"deadline": "next friday"}, {"is_spam": "no"}, {"language": "english"}, {"confidence": 1.2},
        {"confidence": -0.1}, {"extra": 1}, {"score": 9},
    ],
)  # fmt: skip
def test_invalid_values_are_errors_not_clamped(change: dict[str, Any]) -> None:
    with pytest.raises(InvalidAnalysis):
        analysis_parse({**VALID, **change}, source="x")


def test_missing_fields_and_non_objects_are_errors() -> None:
    for bad in ('{"urgency": 2}', "[]", "not json", '{"urgency": 2, }'):
        with pytest.raises(InvalidAnalysis):
            analysis_parse(bad, source="x")


def test_valid_answer_records_its_source_for_every_field() -> None:
    result = analysis_parse(
        '{"urgency":3,"importance":3,"category":"action_required","summary":"Sign today.","action_items":[],'
        '"deadline":"2025-03-07T17:00:00Z","is_spam":false,"is_newsletter":false,"language":"de","confidence":1}',
        source="anthropic",
    )
    assert result.category is Category.ACTION_REQUIRED
    assert result.deadline == datetime(2025, 3, 7, 17, tzinfo=UTC)
    assert set(result.sources) == set(LLM_FIELDS)
    assert set(result.sources.values()) == {"anthropic"}


def test_json_schema_matches_the_model() -> None:
    schema = llm_json_schema()
    assert schema["required"] == list(LLM_FIELDS) == list(schema["properties"])
    assert schema["additionalProperties"] is False
    assert schema["properties"]["category"]["enum"] == [c.value for c in Category]


def test_seconds_until_utc_midnight() -> None:
    assert seconds_until_utc_midnight(datetime(2025, 3, 3, 23, 59, 30, tzinfo=UTC)) == 30
    assert seconds_until_utc_midnight(datetime(2025, 3, 3, 0, 0, tzinfo=UTC)) == 86_400


def test_token_budget_runs_out_and_the_caller_falls_back() -> None:
    """GIVEN 1000 tokens a day WHEN calls use 400 each THEN the third is refused and nothing more is counted."""
    limits = BudgetLimits(tokens_per_day=1000)
    assert budget_try_consume(user_id=1, provider="openai", tokens=400, limits=limits)
    assert budget_try_consume(user_id=1, provider="openai", tokens=400, limits=limits)
    assert not budget_try_consume(user_id=1, provider="openai", tokens=400, limits=limits)
    assert budget_used(user_id=1, provider="openai") == (2, 800)
    # controls: another user and another provider have their own budgets; a small call still fits
    assert budget_try_consume(user_id=2, provider="openai", tokens=400, limits=limits)
    assert budget_try_consume(user_id=1, provider="anthropic", tokens=400, limits=limits)
    assert budget_try_consume(user_id=1, provider="openai", tokens=200, limits=limits)


def test_request_budget_and_midnight_reset() -> None:
    limits = BudgetLimits(requests_per_day=2)
    today = datetime(2025, 3, 3, 23, 0, tzinfo=UTC)
    assert budget_try_consume(user_id=1, provider="ollama", tokens=10, limits=limits, now=today)
    assert budget_try_consume(user_id=1, provider="ollama", tokens=10, limits=limits, now=today)
    assert not budget_try_consume(user_id=1, provider="ollama", tokens=10, limits=limits, now=today)
    tomorrow = datetime(2025, 3, 4, 0, 0, 1, tzinfo=UTC)
    assert budget_try_consume(user_id=1, provider="ollama", tokens=10, limits=limits, now=tomorrow)


def test_counters_expire_at_utc_midnight() -> None:
    from django_redis import get_redis_connection

    now = datetime.now(UTC)
    budget_try_consume(user_id=9, provider="openai", tokens=5, limits=BudgetLimits(tokens_per_day=100))
    redis = get_redis_connection("default")
    (key,) = redis.keys(f"*ai-budget:{now.date().isoformat()}:9:openai:tokens")
    assert 0 < redis.ttl(key) <= seconds_until_utc_midnight(now)


def test_settings_limits_apply_by_default(settings: Any) -> None:
    settings.AI_BUDGET_REQUESTS_PER_DAY = 1
    assert budget_try_consume(user_id=3, provider="openai", tokens=1)
    assert not budget_try_consume(user_id=3, provider="openai", tokens=1)
    settings.AI_BUDGET_REQUESTS_PER_DAY = 0  # unlimited
    assert budget_try_consume(user_id=3, provider="openai", tokens=1)
