"""Anthropic's Messages API: POST /v1/messages with x-api-key and anthropic-version.

JSON comes back through a forced tool call: the request declares one tool, ``record_analysis``,
whose ``input_schema`` is the analysis schema, and ``tool_choice`` forces the model to call it. The
tool's ``input`` object is the answer. This is more dependable than asking for JSON in text and
prefilling "{", because the API hands back a parsed object instead of free text to be cut out.
"""

from __future__ import annotations

from emails.ai.prompts import Prompt
from emails.ai.providers.base import AnalysisRequest, TokenUsage
from emails.ai.providers.common import Exchange, HttpAnalyzer, as_dict, as_int, invalid
from emails.ai.schema import llm_json_schema

DEFAULT_BASE_URL = "https://api.anthropic.com"
ANTHROPIC_VERSION = "2023-06-01"
TOOL_NAME = "record_analysis"


class AnthropicAnalyzer(HttpAnalyzer):
    name = "anthropic"

    def exchange(self, request: AnalysisRequest, prompt: Prompt) -> Exchange:
        payload = {
            "model": self.config.model,
            "max_tokens": self.config.max_output_tokens,
            "temperature": 0,
            "system": prompt.system,
            "messages": [{"role": "user", "content": prompt.user}],
            "tools": [
                {
                    "name": TOOL_NAME,
                    "description": "Record the triage analysis of the e-mail.",
                    "input_schema": llm_json_schema(),
                }
            ],
            "tool_choice": {"type": "tool", "name": TOOL_NAME},
        }
        headers = {"x-api-key": self.config.api_key, "anthropic-version": ANTHROPIC_VERSION}
        reply = self.http.post_json(path="/v1/messages", payload=payload, headers=headers)
        data = as_dict(reply.data)
        if data.get("stop_reason") == "max_tokens":
            raise invalid("anthropic: the answer was cut off at the token limit", reply.logs)
        usage_data = as_dict(data.get("usage"))
        usage = TokenUsage(
            input_tokens=as_int(usage_data.get("input_tokens"))
            + as_int(usage_data.get("cache_creation_input_tokens"))
            + as_int(usage_data.get("cache_read_input_tokens")),
            output_tokens=as_int(usage_data.get("output_tokens")),
        )
        for block in data.get("content") or []:
            if isinstance(block, dict) and block.get("type") == "tool_use" and block.get("name") == TOOL_NAME:
                answer = block.get("input")
                if not isinstance(answer, dict):
                    raise invalid("anthropic: the tool input is not an object", reply.logs)
                return Exchange(answer=answer, usage=usage, logs=reply.logs)
        raise invalid("anthropic: the response has no record_analysis tool call", reply.logs)
