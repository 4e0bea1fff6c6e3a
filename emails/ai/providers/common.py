"""What the three LLM providers share: budget check, prompt, parse and outcome assembly."""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Callable
from typing import Any

from emails.ai.budget import budget_try_consume
from emails.ai.prompts import Prompt, prompt_build
from emails.ai.providers.base import (
    AnalysisOutcome,
    AnalysisRequest,
    Analyzer,
    BudgetExhausted,
    CloudRequestLog,
    InvalidOutput,
    ProviderError,
    TokenUsage,
)
from emails.ai.providers.http import ProviderConfig, ProviderHttp
from emails.ai.schema import InvalidAnalysis, analysis_parse

CHARS_PER_TOKEN = 4  # a conservative estimate for the budget check before the call
SCHEMA_NAME = "mail_analysis"


@dataclasses.dataclass(frozen=True)
class Exchange:
    """What one provider call produced: the answer (JSON text or object), usage and request logs."""

    answer: str | dict[str, Any]
    usage: TokenUsage
    logs: tuple[CloudRequestLog, ...]


def with_usage(logs: tuple[CloudRequestLog, ...], usage: TokenUsage) -> tuple[CloudRequestLog, ...]:
    """The logs with ``usage`` recorded on the request that succeeded (the last one)."""
    if not logs:
        return logs
    return (*logs[:-1], dataclasses.replace(logs[-1], usage=usage))


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


class HttpAnalyzer(Analyzer):
    """An ``Analyzer`` over HTTP; subclasses implement ``exchange`` for their wire format."""

    name = "http"

    def __init__(
        self,
        config: ProviderConfig,
        *,
        http: ProviderHttp | None = None,
        budget: Callable[..., bool] = budget_try_consume,
    ) -> None:
        self.config = config
        self.http = http or ProviderHttp(provider=self.name, config=config)
        self._budget = budget

    @abc.abstractmethod
    def exchange(self, request: AnalysisRequest, prompt: Prompt) -> Exchange:
        """Send the prompt; raise ``ProviderError`` (with ``.logs``) or return the raw answer."""

    def analyze(self, request: AnalysisRequest) -> AnalysisOutcome:
        prompt = prompt_build(request)
        if self.config.user_id is not None:
            estimate = (
                len(prompt.system) + len(prompt.user)
            ) // CHARS_PER_TOKEN + self.config.max_output_tokens
            if not self._budget(user_id=self.config.user_id, provider=self.name, tokens=estimate):
                return self._outcome(error=BudgetExhausted(f"{self.name}: daily budget used up"))
        try:
            exchange = self.exchange(request, prompt)
        except ProviderError as exc:
            return self._outcome(error=exc, logs=getattr(exc, "logs", ()))
        logs = with_usage(exchange.logs, exchange.usage)
        try:
            result = analysis_parse(exchange.answer, source=self.name)
        except InvalidAnalysis as exc:
            return self._outcome(error=InvalidOutput(f"{self.name}: {exc}"), logs=logs)
        return self._outcome(result=result, logs=logs)

    def _outcome(self, **kwargs: Any) -> AnalysisOutcome:
        return AnalysisOutcome(provider=self.name, model=self.config.model, **kwargs)


def invalid(message: str, logs: tuple[CloudRequestLog, ...]) -> InvalidOutput:
    exc = InvalidOutput(message)
    exc.logs = logs  # type: ignore[attr-defined]
    return exc
