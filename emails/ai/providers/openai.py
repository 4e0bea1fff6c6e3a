"""Any OpenAI-compatible server (OpenAI, Mistral, vLLM, llama.cpp, LM Studio): chat and embeddings.

``base_url`` is the API root including the version, as OpenAI's own clients take it
(``https://api.openai.com/v1``, ``http://127.0.0.1:8080/v1``). Analysis asks for
``response_format: json_schema`` (strict); a server that rejects that with a 400 is asked again
with ``json_object`` and the schema spelled out in the system prompt, and the analyzer remembers
to use ``json_object`` from then on.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

from emails.ai.prompts import Prompt, prompt_build
from emails.ai.providers.base import (
    AnalysisRequest,
    CloudRequestLog,
    InvalidOutput,
    ProviderError,
    ProviderRejected,
    TokenUsage,
)
from emails.ai.providers.common import (
    SCHEMA_NAME,
    Exchange,
    HttpAnalyzer,
    as_dict,
    as_int,
    invalid,
    with_usage,
)
from emails.ai.providers.http import HttpReply, ProviderConfig, ProviderHttp
from emails.ai.schema import llm_json_schema

DEFAULT_BASE_URL = "https://api.openai.com/v1"
_STRUCTURED_OUTPUT_WORDS = ("response_format", "json_schema", "structured", "schema")


def openai_headers(config: ProviderConfig) -> dict[str, str]:
    return {"authorization": f"Bearer {config.api_key}"} if config.api_key else {}


def openai_usage(data: dict[str, Any]) -> TokenUsage:
    usage = as_dict(data.get("usage"))
    return TokenUsage(
        input_tokens=as_int(usage.get("prompt_tokens")), output_tokens=as_int(usage.get("completion_tokens"))
    )


class OpenAIAnalyzer(HttpAnalyzer):
    name = "openai"
    json_schema_supported = True

    def _payload(self, prompt: Prompt, *, json_schema: bool) -> dict[str, Any]:
        response_format: dict[str, Any] = (
            {
                "type": "json_schema",
                "json_schema": {"name": SCHEMA_NAME, "strict": True, "schema": llm_json_schema()},
            }
            if json_schema
            else {"type": "json_object"}
        )
        return {
            "model": self.config.model,
            "messages": [
                {"role": "system", "content": prompt.system},
                {"role": "user", "content": prompt.user},
            ],
            "temperature": 0,
            "max_tokens": self.config.max_output_tokens,
            "response_format": response_format,
        }

    def exchange(self, request: AnalysisRequest, prompt: Prompt) -> Exchange:
        earlier: tuple[CloudRequestLog, ...] = ()
        if self.json_schema_supported:
            try:
                reply = self._post(self._payload(prompt, json_schema=True))
                return self._answer(reply)
            except ProviderRejected as exc:
                if exc.reason != "request" or not any(
                    w in str(exc).lower() for w in _STRUCTURED_OUTPUT_WORDS
                ):
                    raise
                earlier = getattr(exc, "logs", ())
                self.json_schema_supported = False
        # json_object mode needs the word "JSON" and the shape in the prompt itself.
        fallback = prompt_build(request, schema_in_prompt=True, boundary=prompt.boundary)
        try:
            reply = self._post(self._payload(fallback, json_schema=False))
        except ProviderError as exc:
            exc.logs = earlier + getattr(exc, "logs", ())  # type: ignore[attr-defined]
            raise
        exchange = self._answer(reply)
        return dataclasses.replace(exchange, logs=earlier + exchange.logs)

    def _post(self, payload: dict[str, Any]) -> HttpReply:
        return self.http.post_json(
            path="/chat/completions", payload=payload, headers=openai_headers(self.config)
        )

    def _answer(self, reply: HttpReply) -> Exchange:
        data = as_dict(reply.data)
        usage = openai_usage(data)
        logs = with_usage(reply.logs, usage)
        choices = data.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            raise invalid("openai: the response has no choices", logs)
        choice = choices[0]
        message = as_dict(choice.get("message"))
        if message.get("refusal"):
            raise invalid("openai: the model refused to answer", logs)
        if choice.get("finish_reason") == "length":
            raise invalid("openai: the answer was cut off at the token limit", logs)
        content = message.get("content")
        if not isinstance(content, str):
            raise invalid("openai: the response has no message content", logs)
        return Exchange(answer=content, usage=usage, logs=reply.logs)


@dataclasses.dataclass(frozen=True)
class EmbeddingOutcome:
    """One vector per input text (in input order), or an error; ``logs`` as for analysis."""

    model: str
    vectors: tuple[tuple[float, ...], ...] = ()
    error: ProviderError | None = None
    logs: tuple[CloudRequestLog, ...] = ()

    @property
    def ok(self) -> bool:
        return self.error is None


class OpenAIEmbeddings:
    """POST {base_url}/embeddings: the OpenAI embeddings wire format (also Mistral, vLLM, llama.cpp)."""

    name = "openai"

    def __init__(self, config: ProviderConfig, *, http: ProviderHttp | None = None) -> None:
        self.config = config
        self.http = http or ProviderHttp(provider=self.name, config=config)

    def embed(self, texts: Sequence[str]) -> EmbeddingOutcome:
        if not texts:
            return EmbeddingOutcome(model=self.config.model)
        payload = {"model": self.config.model, "input": list(texts), "encoding_format": "float"}
        try:
            reply = self.http.post_json(
                path="/embeddings", payload=payload, headers=openai_headers(self.config)
            )
        except ProviderError as exc:
            return EmbeddingOutcome(model=self.config.model, error=exc, logs=getattr(exc, "logs", ()))
        data = as_dict(reply.data)
        logs = with_usage(reply.logs, openai_usage(data))
        try:
            vectors = self._vectors(data, count=len(texts))
        except InvalidOutput as exc:
            return EmbeddingOutcome(model=self.config.model, error=exc, logs=logs)
        return EmbeddingOutcome(model=self.config.model, vectors=vectors, logs=logs)

    @staticmethod
    def _vectors(data: dict[str, Any], *, count: int) -> tuple[tuple[float, ...], ...]:
        items = data.get("data")
        if not isinstance(items, list) or len(items) != count:
            raise InvalidOutput(f"openai: expected {count} embeddings")
        by_index: dict[int, tuple[float, ...]] = {}
        for item in items:
            index = item.get("index") if isinstance(item, dict) else None
            vector = item.get("embedding") if isinstance(item, dict) else None
            if not isinstance(index, int) or not isinstance(vector, list) or not vector:
                raise InvalidOutput("openai: malformed embedding item")
            if not all(
                isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in vector
            ):
                raise InvalidOutput("openai: an embedding holds a non-number")
            by_index[index] = tuple(float(v) for v in vector)
        if sorted(by_index) != list(range(count)) or len({len(v) for v in by_index.values()}) != 1:
            raise InvalidOutput("openai: embeddings are missing or differ in dimension")
        return tuple(by_index[i] for i in range(count))
