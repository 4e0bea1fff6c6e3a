"""Ollama's native chat API: POST /api/chat with ``format`` set to the JSON schema (structured output)."""

from __future__ import annotations

from emails.ai.prompts import Prompt
from emails.ai.providers.base import AnalysisRequest, TokenUsage
from emails.ai.providers.common import Exchange, HttpAnalyzer, as_int, invalid
from emails.ai.schema import llm_json_schema

DEFAULT_BASE_URL = "http://127.0.0.1:11434"


class OllamaAnalyzer(HttpAnalyzer):
    name = "ollama"

    def exchange(self, request: AnalysisRequest, prompt: Prompt) -> Exchange:
        payload = {
            "model": self.config.model,
            "messages": [
                {"role": "system", "content": prompt.system},
                {"role": "user", "content": prompt.user},
            ],
            "stream": False,
            "format": llm_json_schema(),
            "options": {"temperature": 0, "num_predict": self.config.max_output_tokens},
        }
        headers = {"authorization": f"Bearer {self.config.api_key}"} if self.config.api_key else {}
        reply = self.http.post_json(path="/api/chat", payload=payload, headers=headers)
        data = reply.data
        message = data.get("message") if isinstance(data, dict) else None
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, str):
            raise invalid("ollama: the response has no message content", reply.logs)
        if data.get("done_reason") == "length":
            raise invalid("ollama: the answer was cut off at the token limit", reply.logs)
        usage = TokenUsage(
            input_tokens=as_int(data.get("prompt_eval_count")), output_tokens=as_int(data.get("eval_count"))
        )
        return Exchange(answer=content, usage=usage, logs=reply.logs)
