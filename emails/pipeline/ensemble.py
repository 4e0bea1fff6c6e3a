"""The ensemble: every source votes, weighted by how often it agreed with this user's own corrections.

Sources and their priors (the weight before a user has corrected anything; see docs/pipeline.md):

| source       | what it is                                                    | prior |
|--------------|---------------------------------------------------------------|-------|
| `llm`        | the provider's answer (ollama/openai/anthropic)               | 0.75  |
| `classifier` | the user's personal classifiers (once trained)                | their cross-validated accuracy (0.6 if unknown) |
| `headers`    | the local analyzer when header signals decided (lists, bulk, auto-submitted, no-reply) | 0.70 |
| `heuristics` | the local analyzer's text heuristics                           | 0.50  |
| `vip`        | a VIP sender rule (importance 3)                               | 0.80  |

Measured weight = (prior·K + agreements) / (K + votes) over the user's labels (K = 5), so a source that
keeps being corrected loses influence and one that keeps being right gains it. A trusted-sender rule is not
a vote: it vetoes spam. A prompt-injection-flagged mail's LLM vote is first capped at the local analyzer's
urgency/importance (``priority_cap``), so the LLM can lower but never raise it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

PRIORS: dict[str, float] = {"llm": 0.75, "classifier": 0.6, "headers": 0.70, "heuristics": 0.50, "vip": 0.80}
PRIOR_STRENGTH = 5.0


@dataclass
class Vote:
    """One source's opinion; a None field means "no opinion on that"."""

    source: str
    urgency: int | None = None
    importance: int | None = None
    category: str | None = None
    is_spam: bool | None = None
    prior: float | None = None
    note: str = ""
    weight: float = 0.0

    def as_explanation(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "weight": round(self.weight, 3),
            "urgency": self.urgency,
            "importance": self.importance,
            "category": self.category,
            "is_spam": self.is_spam,
            "note": self.note,
        }


@dataclass
class Decision:
    urgency: int
    importance: int
    category: str
    is_spam: bool
    sources: dict[str, str] = field(default_factory=dict)
    explanation: list[dict[str, Any]] = field(default_factory=list)


def source_key(source: str) -> str:
    """The accuracy bucket of a source name (``llm:openai`` → ``llm``)."""
    return source.split(":", 1)[0]


def weight_for(*, source: str, prior: float | None, accuracy: dict[str, tuple[int, int]]) -> float:
    key = source_key(source)
    base = prior if prior is not None else PRIORS.get(key, 0.5)
    hits, n = accuracy.get(key, (0, 0))
    return (base * PRIOR_STRENGTH + hits) / (PRIOR_STRENGTH + n)


def _weighted_level(votes: list[Vote], name: str) -> tuple[int, str] | None:
    chosen = [(v, getattr(v, name)) for v in votes if getattr(v, name) is not None and v.weight > 0]
    if not chosen:
        return None
    total = sum(v.weight for v, _ in chosen)
    mean = sum(v.weight * value for v, value in chosen) / total
    level = max(1, min(3, int(mean + 0.5)))
    leader = max(chosen, key=lambda item: item[0].weight)[0].source
    return level, leader


def _weighted_choice(votes: list[Vote], name: str) -> tuple[Any, str] | None:
    tally: dict[Any, float] = defaultdict(float)
    leaders: dict[Any, Vote] = {}
    for vote in votes:
        value = getattr(vote, name)
        if value is None or vote.weight <= 0:
            continue
        tally[value] += vote.weight
        if value not in leaders or vote.weight > leaders[value].weight:
            leaders[value] = vote
    if not tally:
        return None
    best = max(tally, key=lambda value: tally[value])
    return best, leaders[best].source


def ensemble_decide(
    *, votes: list[Vote], accuracy: dict[str, tuple[int, int]], trusted_sender: bool = False
) -> Decision:
    """Combine the votes into urgency, importance, category and spam, with each field's deciding source."""
    for vote in votes:
        vote.weight = weight_for(source=vote.source, prior=vote.prior, accuracy=accuracy)
    sources: dict[str, str] = {}
    urgency = _weighted_level(votes, "urgency") or (1, "default")
    importance = _weighted_level(votes, "importance") or (1, "default")
    spam = _weighted_choice(votes, "is_spam") or (False, "default")
    is_spam = bool(spam[0])
    sources["is_spam"] = spam[1]
    if trusted_sender:
        is_spam, sources["is_spam"] = False, "trusted_sender"
    non_spam_votes = [v for v in votes if v.category != "spam"] if not is_spam else votes
    category = _weighted_choice(non_spam_votes, "category") or ("info", "default")
    sources.update(urgency=urgency[1], importance=importance[1], category=category[1])
    level_u, level_i, category_value = urgency[0], importance[0], category[0]
    if is_spam:
        level_u, level_i, category_value = 1, 1, "spam"
        sources.update(urgency=sources["is_spam"], importance=sources["is_spam"], category=sources["is_spam"])
    return Decision(
        urgency=level_u,
        importance=level_i,
        category=category_value,
        is_spam=is_spam,
        sources=sources,
        explanation=[v.as_explanation() for v in votes],
    )


def accuracy_from_labels(*, pairs: list[tuple[str, str, list[dict[str, Any]]]]) -> dict[str, tuple[int, int]]:
    """(hits, votes) per source bucket from (label field, label value, explanation at labelling time)."""
    hits: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    attribute = {"urgency": "urgency", "importance": "importance", "category": "category", "spam": "is_spam"}
    for label_field, value, explanation in pairs:
        name = attribute.get(label_field)
        if name is None:
            continue
        for vote in explanation or []:
            voted = vote.get(name)
            if voted is None:
                continue
            key = source_key(str(vote.get("source", "")))
            total[key] += 1
            expected: Any = value
            if name == "is_spam":
                expected = value in ("1", "true", "True", "spam")
            elif name in ("urgency", "importance"):
                expected = int(value)
            if voted == expected:
                hits[key] += 1
    return {key: (hits[key], total[key]) for key in total}
