"""Value objects of the local analysis stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class Category(StrEnum):
    ACTION_REQUIRED = "action_required"
    MEETING = "meeting"
    INVOICE_PAYMENT = "invoice_payment"
    NEWSLETTER = "newsletter"
    NOTIFICATION = "notification"
    PERSONAL = "personal"
    SPAM = "spam"
    INFO = "info"


class Source(StrEnum):
    """Which kind of evidence decided a field."""

    HEADERS = "headers"
    HEURISTICS = "heuristics"
    CLASSIFIER = "classifier"
    CALENDAR = "calendar"


@dataclass(frozen=True, slots=True)
class CalendarInvite:
    """The first event of a text/calendar part; times are ISO strings (dates or aware date-times)."""

    method: str | None
    title: str
    start: str | None
    end: str | None
    organizer: str | None
    location: str = ""
    uid: str | None = None
    sequence: int | None = None
    status: str | None = None
    component: str = "VEVENT"


@dataclass(frozen=True, slots=True)
class Deadline:
    """A date the mail asks something to happen by; ``phrase`` is the matched text."""

    when: date
    phrase: str


@dataclass(frozen=True, slots=True)
class FieldPrediction:
    """One classifier answer: the value, its probability and the whole distribution."""

    value: str
    probability: float
    probabilities: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LocalAnalysis:
    """The result of :func:`emails.analysis.local.local_analyze` (no LLM involved)."""

    urgency: int
    importance: int
    category: Category
    summary: str
    action_items: tuple[str, ...]
    deadline: Deadline | None
    is_spam: bool
    spam_score: float
    is_newsletter: bool
    newsletter_kind: str | None
    calendar: CalendarInvite | None
    language: str
    confidence: float
    sources: dict[str, str]
    reasons: tuple[str, ...] = ()
    analyzed_at: datetime | None = None

    @property
    def score(self) -> int:
        """2·urgency + importance (3–9)."""
        return 2 * self.urgency + self.importance

    @property
    def colour(self) -> str:
        return "red" if self.score >= 8 else "yellow" if self.score >= 5 else "green"


@dataclass(frozen=True, slots=True)
class Metrics:
    """Binary classification metrics of one evaluation (positive class = spam/newsletter/...)."""

    name: str
    n: int
    positives: int
    precision: float
    recall: float
    f1: float
    accuracy: float
    folds: int = 0
    per_fold_f1: tuple[float, ...] = ()
    notes: str = ""
    extra: dict[str, float | int | str] = field(default_factory=dict)

    def line(self) -> str:
        folds = f", {self.folds}-fold" if self.folds else ""
        return (
            f"{self.name}: n={self.n} (positives {self.positives}{folds}) "
            f"P={self.precision:.3f} R={self.recall:.3f} F1={self.f1:.3f} acc={self.accuracy:.3f}"
        )
