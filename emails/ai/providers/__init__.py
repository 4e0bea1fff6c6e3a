"""LLM providers behind one interface: ``analyzer_for(kind=..., config=...)``."""

from __future__ import annotations

from emails.ai.providers.anthropic import AnthropicAnalyzer
from emails.ai.providers.base import (
    AnalysisOutcome,
    AnalysisRequest,
    Analyzer,
    BudgetExhausted,
    CloudRequestLog,
    InvalidOutput,
    ProviderError,
    ProviderRejected,
    ProviderUnavailable,
    TokenUsage,
)
from emails.ai.providers.common import HttpAnalyzer
from emails.ai.providers.http import ProviderConfig, RetryPolicy, Timeouts
from emails.ai.providers.ollama import OllamaAnalyzer
from emails.ai.providers.openai import EmbeddingOutcome, OpenAIAnalyzer, OpenAIEmbeddings

ANALYZERS: dict[str, type[HttpAnalyzer]] = {
    "ollama": OllamaAnalyzer,
    "openai": OpenAIAnalyzer,
    "anthropic": AnthropicAnalyzer,
}


def analyzer_for(*, kind: str, config: ProviderConfig) -> HttpAnalyzer:
    """The analyzer for provider ``kind`` ("ollama", "openai", "anthropic")."""
    try:
        return ANALYZERS[kind](config)
    except KeyError:
        raise ValueError(f"unknown provider {kind!r}") from None


__all__ = [
    "ANALYZERS",
    "AnalysisOutcome",
    "AnalysisRequest",
    "Analyzer",
    "AnthropicAnalyzer",
    "BudgetExhausted",
    "CloudRequestLog",
    "EmbeddingOutcome",
    "InvalidOutput",
    "OllamaAnalyzer",
    "OpenAIAnalyzer",
    "OpenAIEmbeddings",
    "ProviderConfig",
    "ProviderError",
    "ProviderRejected",
    "ProviderUnavailable",
    "RetryPolicy",
    "Timeouts",
    "TokenUsage",
    "analyzer_for",
]
