"""The provider interface: one request in, a validated result or a typed failure out, plus the log."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from datetime import datetime

from emails.ai.schema import AnalysisResult


class ProviderError(Exception):
    """Base of every provider failure; ``str(exc)`` is safe to show and log (no secrets, no mail text)."""

    retryable = False


class ProviderUnavailable(ProviderError):
    """Timeout, connection failure, 5xx or 429 after the retries: try again later."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ProviderRejected(ProviderError):
    """The provider refused the request: ``reason`` is "auth" (401/403), "model" or "request"."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class InvalidOutput(ProviderError):
    """The provider answered, but not with JSON that satisfies the analysis schema."""


class BudgetExhausted(ProviderError):
    """The user's daily budget for this provider is used up; fall back to the local analyzer."""


@dataclass(frozen=True)
class AnalysisRequest:
    """Everything a provider sees about one mail, already anonymized where it goes to a cloud."""

    subject: str
    body: str
    sender: str
    user_language: str = "en"
    thread: tuple[str, ...] = ()
    headers_summary: str = ""
    received_at: str = ""  # ISO date-time, so "by Friday" can become a deadline


@dataclass(frozen=True)
class TokenUsage:
    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def total(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(frozen=True)
class CloudRequestLog:
    """One HTTP request to a provider, as the caller persists it for the user to inspect.

    ``payload`` is the exact request body sent (the anonymized prompt, as JSON text); the API key
    travels in a header and is never part of it.
    """

    provider: str
    model: str
    endpoint: str
    started_at: datetime
    duration_ms: int
    payload: str
    attempt: int
    status_code: int | None = None
    usage: TokenUsage = field(default_factory=TokenUsage)
    error: str = ""


@dataclass(frozen=True)
class AnalysisOutcome:
    """A validated ``result`` or an ``error``, never both; ``logs`` has one entry per HTTP request."""

    provider: str
    model: str
    result: AnalysisResult | None = None
    error: ProviderError | None = None
    logs: tuple[CloudRequestLog, ...] = ()

    @property
    def ok(self) -> bool:
        return self.result is not None

    @property
    def usage(self) -> TokenUsage:
        return TokenUsage(
            input_tokens=sum(log.usage.input_tokens for log in self.logs),
            output_tokens=sum(log.usage.output_tokens for log in self.logs),
        )


class Analyzer(abc.ABC):
    """Turns an ``AnalysisRequest`` into an ``AnalysisOutcome``; never raises for provider trouble."""

    name: str

    @abc.abstractmethod
    def analyze(self, request: AnalysisRequest) -> AnalysisOutcome: ...
