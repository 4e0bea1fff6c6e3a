"""Providers against local servers speaking the real Ollama, OpenAI and Anthropic wire formats."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from emails.ai.providers import (
    AnalysisRequest,
    AnthropicAnalyzer,
    BudgetExhausted,
    HttpAnalyzer,
    InvalidOutput,
    OllamaAnalyzer,
    OpenAIAnalyzer,
    OpenAIEmbeddings,
    ProviderConfig,
    ProviderRejected,
    ProviderUnavailable,
    RetryPolicy,
    Timeouts,
)
from emails.ai.providers.http import ProviderHttp
from emails.ai.schema import llm_json_schema
from emails.ai.tests.fake_servers import (
    FakeServer,
    Received,
    Reply,
    anthropic_error,
    anthropic_message,
    ollama_chat,
    openai_chat,
    openai_embeddings,
    openai_error,
)
from mailhelper.netguard import ResolvedAddress

ANSWER = {
    "urgency": 3,
    "importance": 2,
    "category": "invoice_payment",
    "summary": "[NAME_1] asks for payment of the March invoice by Friday.",
    "action_items": ["Pay the invoice to [IBAN_1]"],
    "deadline": "2025-03-07T17:00:00+01:00",
    "is_spam": False,
    "is_newsletter": False,
    "language": "de",
    "confidence": 0.82,
}
REQUEST = AnalysisRequest(
    subject="Rechnung März",
    body="Hallo [NAME_1],\nbitte bis Freitag zahlen.",
    sender="[NAME_2] <[EMAIL_1]>",
    user_language="en",
    thread=("Earlier: thanks!",),
    headers_summary="List-Id: none",
)


@dataclass(frozen=True)
class Wire:
    """How one provider's API looks on the wire, for the shared tests below."""

    name: str
    analyzer: type[HttpAnalyzer]
    base_path: str
    path: str
    ok: Callable[[dict[str, Any]], dict[str, Any]]
    not_json: Callable[[], Reply]
    unauthorized: Callable[[], Reply]
    check: Callable[[Received], None]


def _check_ollama(req: Received) -> None:
    body = req.json()
    assert body["model"] == "test-model"
    assert body["stream"] is False
    assert body["format"] == llm_json_schema()
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert "Rechnung März" in body["messages"][1]["content"]


def _check_openai(req: Received) -> None:
    body = req.json()
    assert req.headers["authorization"] == "Bearer sk-test"
    assert body["model"] == "test-model"
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["strict"] is True
    assert body["response_format"]["json_schema"]["schema"] == llm_json_schema()
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert "Rechnung März" in body["messages"][1]["content"]


def _check_anthropic(req: Received) -> None:
    body = req.json()
    assert req.headers["x-api-key"] == "sk-test"
    assert req.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in req.headers
    assert body["model"] == "test-model"
    assert body["max_tokens"] == 1024
    assert isinstance(body["system"], str)
    assert "UNTRUSTED" in body["system"]
    assert body["messages"][0]["role"] == "user"
    assert "Rechnung März" in body["messages"][0]["content"]
    assert body["tools"][0]["input_schema"] == llm_json_schema()
    assert body["tool_choice"] == {"type": "tool", "name": "record_analysis"}


WIRES = [
    Wire(
        "ollama",
        OllamaAnalyzer,
        "",
        "/api/chat",
        lambda a: ollama_chat(json.dumps(a)),
        lambda: Reply(body=ollama_chat("Sure! Here is the analysis: {urgency: 3")),
        lambda: Reply(401, {"error": "unauthorized"}),
        _check_ollama,
    ),
    Wire(
        "openai",
        OpenAIAnalyzer,
        "/v1",
        "/v1/chat/completions",
        lambda a: openai_chat(json.dumps(a)),
        lambda: Reply(body=openai_chat('{"urgency": 3, "importance": ')),
        lambda: Reply(
            401,
            openai_error(
                "Incorrect API key provided: sk-test.", type_="invalid_request_error", code="invalid_api_key"
            ),
        ),
        _check_openai,
    ),
    Wire(
        "anthropic",
        AnthropicAnalyzer,
        "",
        "/v1/messages",
        anthropic_message,
        lambda: Reply(body=b'{"id": "msg_01", "type": "message", "content": [{"type": "tool_use"'),
        lambda: Reply(401, anthropic_error("authentication_error", "invalid x-api-key")),
        _check_anthropic,
    ),
]


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as fake:
        yield fake


class SleepRecorder:
    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def make(
    wire: Wire, server: FakeServer, *, sleep: Callable[[float], None] | None = None, **config: Any
) -> HttpAnalyzer:
    cfg = ProviderConfig(
        base_url=server.url + wire.base_path,
        model="test-model",
        api_key="sk-test",
        retry=config.pop("retry", RetryPolicy(attempts=3, base_delay=0.5, max_delay=5.0)),
        **config,
    )
    http = ProviderHttp(provider=wire.name, config=cfg, sleep=sleep or SleepRecorder(), rng=lambda: 0.0)
    return wire.analyzer(cfg, http=http)


@pytest.mark.parametrize("wire", WIRES, ids=lambda w: w.name)
def test_happy_path_returns_validated_result_and_logs_exact_payload(wire: Wire, server: FakeServer) -> None:
    """GIVEN a provider answering valid JSON WHEN a mail is analyzed THEN the result is validated and logged."""
    server.script = [Reply(body=wire.ok(ANSWER))]
    outcome = make(wire, server).analyze(REQUEST)

    assert outcome.ok, outcome.error
    assert outcome.result is not None
    assert outcome.result.score == 8
    assert outcome.result.colour == "red"
    assert outcome.result.sources["urgency"] == wire.name
    assert len(server.received) == 1
    req = server.received[0]
    assert req.path == wire.path
    wire.check(req)
    (log,) = outcome.logs
    assert log.payload.encode() == req.body  # the record is exactly what went over the wire
    assert log.provider == wire.name
    assert log.model == "test-model"
    assert log.status_code == 200
    assert (log.usage.input_tokens, log.usage.output_tokens) == (412, 87)
    assert "sk-test" not in log.payload


@pytest.mark.parametrize("wire", WIRES, ids=lambda w: w.name)
def test_invalid_json_is_an_invalid_output_not_a_crash(wire: Wire, server: FakeServer) -> None:
    """GIVEN a provider answering something that is not JSON WHEN analyzed THEN InvalidOutput, no retry."""
    server.script = [wire.not_json()]
    outcome = make(wire, server).analyze(REQUEST)
    assert isinstance(outcome.error, InvalidOutput)
    assert outcome.result is None
    assert len(server.received) == 1
    assert len(outcome.logs) == 1


@pytest.mark.parametrize("wire", WIRES, ids=lambda w: w.name)
def test_schema_violating_json_is_rejected_not_clamped(wire: Wire, server: FakeServer) -> None:
    """GIVEN JSON with urgency 7 and an unknown category WHEN analyzed THEN InvalidOutput names the fields."""
    server.script = [Reply(body=wire.ok({**ANSWER, "urgency": 7, "category": "urgent"}))]
    outcome = make(wire, server).analyze(REQUEST)
    assert isinstance(outcome.error, InvalidOutput)
    assert "urgency" in str(outcome.error)
    assert "category" in str(outcome.error)
    # positive control: the same answer with valid values passes
    server.script = [Reply(body=wire.ok(ANSWER))]
    assert make(wire, server).analyze(REQUEST).ok


@pytest.mark.parametrize("wire", WIRES, ids=lambda w: w.name)
def test_timeout_is_provider_unavailable(wire: Wire, server: FakeServer) -> None:
    """GIVEN a server slower than the read timeout WHEN analyzed THEN ProviderUnavailable after the retries."""
    server.default = Reply(body=wire.ok(ANSWER), delay=1.5)
    analyzer = make(
        wire, server, timeouts=Timeouts(connect=1.0, read=0.3, write=1.0), retry=RetryPolicy(attempts=2)
    )
    started = time.monotonic()
    outcome = analyzer.analyze(REQUEST)
    assert isinstance(outcome.error, ProviderUnavailable)
    assert "timed out" in str(outcome.error)
    assert len(outcome.logs) == 2
    assert all(log.status_code is None for log in outcome.logs)
    assert time.monotonic() - started < 1.5  # did not wait for the server's answers


@pytest.mark.parametrize("wire", WIRES, ids=lambda w: w.name)
def test_429_then_success_honours_retry_after(wire: Wire, server: FakeServer) -> None:
    """GIVEN a 429 with Retry-After: 2 WHEN analyzed THEN the client waits 2 s and then succeeds."""
    limited = (
        anthropic_error("rate_limit_error", "Number of requests has exceeded your rate limit")
        if wire.name == "anthropic"
        else openai_error("Rate limit reached", type_="requests", code="rate_limit_exceeded")
    )
    server.script = [Reply(429, limited, {"retry-after": "2"}), Reply(body=wire.ok(ANSWER))]
    sleep = SleepRecorder()
    outcome = make(wire, server, sleep=sleep).analyze(REQUEST)
    assert outcome.ok, outcome.error
    assert sleep.delays == [2.0]
    assert [log.status_code for log in outcome.logs] == [429, 200]
    assert outcome.logs[1].usage.input_tokens == 412
    assert outcome.logs[0].usage.total == 0


@pytest.mark.parametrize("wire", WIRES, ids=lambda w: w.name)
def test_5xx_then_success_backs_off_exponentially(wire: Wire, server: FakeServer) -> None:
    """GIVEN two 5xx answers WHEN analyzed THEN it retries after 0.5 s and 1 s and succeeds."""
    server.script = [
        Reply(503, {"error": "overloaded"}),
        Reply(529, anthropic_error("overloaded_error", "Overloaded")),
        Reply(body=wire.ok(ANSWER)),
    ]
    sleep = SleepRecorder()
    outcome = make(wire, server, sleep=sleep).analyze(REQUEST)
    assert outcome.ok, outcome.error
    assert sleep.delays == [0.5, 1.0]
    assert len(server.received) == 3


@pytest.mark.parametrize("wire", WIRES, ids=lambda w: w.name)
def test_401_is_rejected_as_auth_and_not_retried(wire: Wire, server: FakeServer) -> None:
    """GIVEN a wrong API key WHEN analyzed THEN ProviderRejected(auth) after exactly one request."""
    server.script = [wire.unauthorized(), Reply(body=wire.ok(ANSWER))]
    outcome = make(wire, server).analyze(REQUEST)
    assert isinstance(outcome.error, ProviderRejected)
    assert outcome.error.reason == "auth"
    assert len(server.received) == 1


def test_retries_give_up_after_the_cap(server: FakeServer) -> None:
    """GIVEN a server that keeps failing WHEN analyzed THEN ProviderUnavailable after `attempts` requests."""
    server.default = Reply(500, {"error": "boom"})
    sleep = SleepRecorder()
    outcome = make(WIRES[0], server, sleep=sleep).analyze(REQUEST)
    assert isinstance(outcome.error, ProviderUnavailable)
    assert len(server.received) == 3
    assert sleep.delays == [0.5, 1.0]


def test_long_retry_after_is_not_slept_through(server: FakeServer) -> None:
    """GIVEN Retry-After: 3600 WHEN analyzed THEN it fails at once, reporting the wait to the task queue."""
    server.script = [
        Reply(429, openai_error("slow down", type_="requests", code=None), {"retry-after": "3600"})
    ]
    sleep = SleepRecorder()
    outcome = make(WIRES[1], server, sleep=sleep).analyze(REQUEST)
    assert isinstance(outcome.error, ProviderUnavailable)
    assert outcome.error.retry_after == 3600
    assert sleep.delays == []


def test_retry_after_is_really_waited(server: FakeServer) -> None:
    """GIVEN Retry-After: 1 and the real clock WHEN analyzed THEN a second passes before the retry."""
    server.script = [Reply(429, openai_error("slow down", type_="requests", code=None), {"retry-after": "1"})]
    server.default = Reply(body=openai_chat(json.dumps(ANSWER)))
    cfg = ProviderConfig(base_url=server.url + "/v1", model="m", api_key="k", retry=RetryPolicy(jitter=0))
    started = time.monotonic()
    outcome = OpenAIAnalyzer(cfg).analyze(REQUEST)
    assert outcome.ok
    assert time.monotonic() - started >= 1.0


def test_openai_insufficient_quota_is_not_retried(server: FakeServer) -> None:
    """GIVEN OpenAI's 429 insufficient_quota WHEN analyzed THEN ProviderRejected(quota), one request."""
    server.script = [
        Reply(
            429,
            openai_error(
                "You exceeded your current quota", type_="insufficient_quota", code="insufficient_quota"
            ),
        )
    ]
    outcome = make(WIRES[1], server).analyze(REQUEST)
    assert isinstance(outcome.error, ProviderRejected)
    assert outcome.error.reason == "quota"
    assert len(server.received) == 1


def test_openai_falls_back_to_json_object_when_json_schema_is_unsupported(server: FakeServer) -> None:
    """GIVEN a compatible server without json_schema WHEN analyzed THEN it retries with json_object and remembers."""
    server.script = [
        Reply(
            400,
            openai_error(
                "response_format json_schema is not supported", type_="invalid_request_error", code=None
            ),
        ),
        Reply(body=openai_chat(json.dumps(ANSWER))),
        Reply(body=openai_chat(json.dumps(ANSWER))),
    ]
    analyzer = make(WIRES[1], server)
    outcome = analyzer.analyze(REQUEST)
    assert outcome.ok, outcome.error
    first, second = (r.json() for r in server.received)
    assert first["response_format"]["type"] == "json_schema"
    assert second["response_format"] == {"type": "json_object"}
    assert "JSON" in second["messages"][0]["content"]
    assert '"urgency"' in second["messages"][0]["content"]
    assert [log.status_code for log in outcome.logs] == [400, 200]
    assert analyzer.analyze(REQUEST).ok
    assert server.received[2].json()["response_format"] == {"type": "json_object"}


def test_openai_other_400_is_not_mistaken_for_missing_json_schema(server: FakeServer) -> None:
    """GIVEN a 400 about something else WHEN analyzed THEN ProviderRejected(request), no second call."""
    server.script = [
        Reply(400, openai_error("context length exceeded", type_="invalid_request_error", code=None))
    ]
    outcome = make(WIRES[1], server).analyze(REQUEST)
    assert isinstance(outcome.error, ProviderRejected)
    assert outcome.error.reason == "request"
    assert len(server.received) == 1


def test_openai_truncated_answer_is_invalid(server: FakeServer) -> None:
    server.script = [Reply(body=openai_chat('{"urgency": 3', finish_reason="length"))]
    outcome = make(WIRES[1], server).analyze(REQUEST)
    assert isinstance(outcome.error, InvalidOutput)
    assert "cut off" in str(outcome.error)


def test_ollama_missing_model_is_rejected(server: FakeServer) -> None:
    server.script = [Reply(404, {"error": "model 'test-model' not found, try pulling it first"})]
    outcome = make(WIRES[0], server).analyze(REQUEST)
    assert isinstance(outcome.error, ProviderRejected)
    assert outcome.error.reason == "model"


def test_embeddings_round_trip(server: FakeServer) -> None:
    """GIVEN an OpenAI-compatible /v1/embeddings WHEN two texts are embedded THEN two vectors in order."""
    server.script = [Reply(body=openai_embeddings([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]))]
    cfg = ProviderConfig(base_url=server.url + "/v1", model="text-embedding-3-small", api_key="sk-test")
    outcome = OpenAIEmbeddings(cfg).embed(["hello", "world"])
    assert outcome.ok, outcome.error
    assert outcome.vectors == ((0.1, 0.2, 0.3), (0.4, 0.5, 0.6))
    req = server.received[0]
    assert req.path == "/v1/embeddings"
    assert req.headers["authorization"] == "Bearer sk-test"
    assert req.json() == {
        "model": "text-embedding-3-small",
        "input": ["hello", "world"],
        "encoding_format": "float",
    }
    assert outcome.logs[0].usage.input_tokens == 12


def test_embeddings_with_wrong_count_are_invalid(server: FakeServer) -> None:
    server.script = [Reply(body=openai_embeddings([[0.1, 0.2]]))]
    cfg = ProviderConfig(base_url=server.url + "/v1", model="e", api_key="k")
    outcome = OpenAIEmbeddings(cfg).embed(["a", "b"])
    assert isinstance(outcome.error, InvalidOutput)
    assert outcome.vectors == ()


def test_connection_goes_to_the_checked_address_with_the_original_host_header(server: FakeServer) -> None:
    """GIVEN a host name resolved once to 127.0.0.1 WHEN analyzed THEN the TCP connection goes there and Host is kept."""
    resolved_calls: list[tuple[str, int]] = []

    def resolver(*, host: str, port: int) -> ResolvedAddress:
        resolved_calls.append((host, port))
        return ResolvedAddress(host=host, port=port, addresses=("127.0.0.1",))

    server.script = [Reply(500, {"error": "once"}), Reply(body=ollama_chat(json.dumps(ANSWER)))]
    cfg = ProviderConfig(base_url=f"http://llm.example.invalid:{server.port}", model="test-model")
    http = ProviderHttp(provider="ollama", config=cfg, sleep=SleepRecorder(), resolver=resolver)
    outcome = OllamaAnalyzer(cfg, http=http).analyze(REQUEST)
    assert outcome.ok, outcome.error
    assert resolved_calls == [("llm.example.invalid", server.port)]  # resolved once, for both attempts
    assert server.received[0].headers["host"] == f"llm.example.invalid:{server.port}"


def test_private_endpoint_is_refused_unless_allowed(server: FakeServer, settings: Any) -> None:
    """GIVEN ALLOW_PRIVATE_HOSTS off WHEN the endpoint is on loopback THEN nothing is sent; on THEN it works."""
    settings.ALLOW_PRIVATE_HOSTS = False
    server.default = Reply(body=ollama_chat(json.dumps(ANSWER)))
    cfg = ProviderConfig(base_url=server.url, model="test-model")
    outcome = OllamaAnalyzer(cfg).analyze(REQUEST)
    assert isinstance(outcome.error, ProviderRejected)
    assert outcome.error.reason == "address"
    assert server.received == []
    settings.ALLOW_PRIVATE_HOSTS = True
    assert OllamaAnalyzer(cfg).analyze(REQUEST).ok


def test_redirects_are_not_followed(server: FakeServer) -> None:
    server.script = [Reply(307, b"", {"location": "http://169.254.169.254/latest/meta-data"})]
    outcome = make(WIRES[0], server).analyze(REQUEST)
    assert isinstance(outcome.error, ProviderRejected)
    assert len(server.received) == 1


def test_budget_exhausted_stops_the_call_before_any_request(server: FakeServer) -> None:
    """GIVEN a budget that says no WHEN analyzed THEN BudgetExhausted and the server sees nothing."""
    server.default = Reply(body=ollama_chat(json.dumps(ANSWER)))
    asked: list[dict[str, Any]] = []

    def budget(**kwargs: Any) -> bool:
        asked.append(kwargs)
        return False

    cfg = ProviderConfig(base_url=server.url, model="test-model", user_id=7)
    outcome = OllamaAnalyzer(cfg, budget=budget).analyze(REQUEST)
    assert isinstance(outcome.error, BudgetExhausted)
    assert server.received == []
    assert outcome.logs == ()
    assert asked[0]["user_id"] == 7
    assert asked[0]["provider"] == "ollama"
    assert asked[0]["tokens"] > 1024
    assert OllamaAnalyzer(cfg, budget=lambda **_: True).analyze(REQUEST).ok
