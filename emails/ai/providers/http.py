"""HTTP for providers: an SSRF-pinned httpx transport, timeouts, bounded retries and error typing.

SSRF: the endpoint's host is resolved once per call with ``netguard.address_resolve_checked``
(public addresses only, unless ``ALLOW_PRIVATE_HOSTS``). httpx then talks through a transport whose
httpcore network backend ignores DNS and opens the TCP connection to one of those checked
addresses. Everything above the socket still uses the URL's host name: the ``Host`` header, TLS SNI
and certificate verification. Redirects are not followed and proxy environment variables are
ignored (``trust_env=False``), since either would send the request somewhere unchecked.
"""

from __future__ import annotations

import email.utils
import functools
import json
import logging
import random
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpcore
import httpx

from emails.ai.providers.base import (
    CloudRequestLog,
    InvalidOutput,
    ProviderError,
    ProviderRejected,
    ProviderUnavailable,
)
from mailhelper.netguard import AddressNotAllowed, HostNotFound, ResolvedAddress, address_resolve_checked

logger = logging.getLogger(__name__)

RESPONSE_MAX_BYTES = 4 * 1024 * 1024
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504, 529})


@dataclass(frozen=True)
class Timeouts:
    connect: float = 5.0
    read: float = 120.0  # a local model on a CPU can take a while for the first token
    write: float = 10.0

    def httpx(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.connect)


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` in total; waits grow ``base_delay·2^n`` with jitter, each capped at ``max_delay``.

    A Retry-After longer than ``max_delay`` is not slept through: the call fails with
    ``ProviderUnavailable(retry_after=…)`` so the task queue can come back later.
    """

    attempts: int = 4
    base_delay: float = 1.0
    max_delay: float = 30.0
    jitter: float = 0.25  # up to this fraction is added at random, so workers do not retry in step

    def backoff(self, attempt: int, *, retry_after: float | None, rng: Callable[[], float]) -> float:
        delay = retry_after if retry_after is not None else self.base_delay * (2 ** (attempt - 1))
        return min(self.max_delay, delay * (1 + self.jitter * rng()))


@dataclass(frozen=True)
class ProviderConfig:
    """Where and how to reach one provider. ``api_key`` is the decrypted key (``crypto.secret_decrypt``)."""

    base_url: str
    model: str
    api_key: str = field(default="", repr=False)
    timeouts: Timeouts = field(default_factory=Timeouts)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    max_output_tokens: int = 1024
    user_id: int | None = None  # set it to count calls against the user's daily budget
    verify: bool | str = True  # False only for a self-signed local server; a path names a CA bundle


@dataclass(frozen=True)
class HttpReply:
    status: int
    data: Any
    logs: tuple[CloudRequestLog, ...]


def retry_after_seconds(headers: httpx.Headers, *, now: datetime | None = None) -> float | None:
    """Seconds the server asks us to wait (``retry-after-ms``, ``Retry-After`` seconds or HTTP date)."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def error_detail(data: Any) -> tuple[str, str]:
    """(type or code, message) from the error bodies of Ollama, OpenAI and Anthropic."""
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, str):
            return "", error[:300]
        if isinstance(error, dict):
            kind = str(error.get("code") or error.get("type") or "")
            return kind, str(error.get("message") or "")[:300]
    return "", ""


class _PinnedBackend(httpcore.NetworkBackend):
    """Opens TCP connections only to the addresses netguard checked for the one expected host."""

    def __init__(self, resolved: ResolvedAddress) -> None:
        self._resolved = resolved
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        if host.strip("[]").rstrip(".").lower() != self._resolved.host.lower() or port != self._resolved.port:
            raise httpcore.ConnectError(f"{host}:{port} is not the checked endpoint")
        last_error: Exception | None = None
        for address in self._resolved.addresses:
            try:
                return self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not used for providers")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


@functools.lru_cache(maxsize=8)
def _ssl_context(verify: bool | str) -> ssl.SSLContext:
    """One TLS context per verification setting, shared by every call: building one loads the CA bundle,
    which costs milliseconds of CPU under the GIL and serialised the ai worker's concurrent calls."""
    return httpx.create_ssl_context(verify=verify, trust_env=False)


class PinnedTransport(httpx.HTTPTransport):
    """An httpx transport whose connections go to netguard-checked addresses only."""

    def __init__(self, resolved: ResolvedAddress, *, verify: bool | str = True) -> None:
        context = _ssl_context(verify)
        super().__init__(verify=context, trust_env=False)
        # httpx builds its httpcore pool without a way to pass a network backend, so swap the pool.
        self._pool = httpcore.ConnectionPool(
            ssl_context=context,
            max_connections=4,
            max_keepalive_connections=2,
            keepalive_expiry=30.0,
            network_backend=_PinnedBackend(resolved),
        )


Resolver = Callable[..., ResolvedAddress]


class ProviderHttp:
    """POSTs JSON to one provider with pinning, retries and typed errors; every request is logged."""

    def __init__(
        self,
        *,
        provider: str,
        config: ProviderConfig,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
        resolver: Resolver = address_resolve_checked,
    ) -> None:
        self.provider = provider
        self.config = config
        self._sleep = sleep
        self._rng = rng
        self._resolver = resolver

    def url(self, path: str) -> httpx.URL:
        return httpx.URL(self.config.base_url.rstrip("/") + "/" + path.lstrip("/"))

    def post_json(self, *, path: str, payload: dict[str, Any], headers: dict[str, str]) -> HttpReply:
        """POST ``payload``; return the decoded 2xx JSON or raise a ``ProviderError`` subclass.

        Raised errors carry the request logs in ``exc.logs`` (a tuple), so failures are recorded too.
        """
        url = self.url(path)
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        logs: list[CloudRequestLog] = []
        try:
            resolved = self._resolve(url)
            with httpx.Client(
                transport=PinnedTransport(resolved, verify=self.config.verify),
                timeout=self.config.timeouts.httpx(),
                follow_redirects=False,
                trust_env=False,
            ) as client:
                return self._attempts(client, url=url, body=body, headers=headers, logs=logs)
        except ProviderError as exc:
            exc.logs = tuple(logs)  # type: ignore[attr-defined]
            raise

    def _resolve(self, url: httpx.URL) -> ResolvedAddress:
        if url.scheme not in ("http", "https"):
            raise ProviderRejected(f"unsupported URL scheme {url.scheme!r}", reason="address")
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            return self._resolver(host=url.raw_host.decode("ascii"), port=port)
        except AddressNotAllowed as exc:
            raise ProviderRejected(str(exc), reason="address") from exc
        except HostNotFound as exc:
            raise ProviderUnavailable(str(exc)) from exc

    def _attempts(
        self,
        client: httpx.Client,
        *,
        url: httpx.URL,
        body: str,
        headers: dict[str, str],
        logs: list[CloudRequestLog],
    ) -> HttpReply:
        policy = self.config.retry
        request_headers = {"content-type": "application/json", "accept": "application/json", **headers}
        for attempt in range(1, policy.attempts + 1):
            started = datetime.now(UTC)
            clock = time.monotonic()
            status: int | None = None
            retry_after: float | None = None
            try:
                status, response_headers, raw = self._send(
                    client, url=url, body=body, headers=request_headers
                )
                retry_after = retry_after_seconds(response_headers)
                failure = self._failure(status, raw) if status >= 300 else None
            except httpx.TimeoutException as exc:
                failure = ProviderUnavailable(f"{self.provider}: timed out ({type(exc).__name__})")
            except httpx.TransportError as exc:
                failure = ProviderUnavailable(f"{self.provider}: connection failed ({type(exc).__name__})")
            logs.append(
                CloudRequestLog(
                    provider=self.provider,
                    model=self.config.model,
                    endpoint=str(url.copy_with(query=None)),
                    started_at=started,
                    duration_ms=int((time.monotonic() - clock) * 1000),
                    payload=body,
                    attempt=attempt,
                    status_code=status,
                    error=str(failure) if failure else "",
                )
            )
            if failure is None:
                assert status is not None
                return HttpReply(status=status, data=self._decode(raw), logs=tuple(logs))
            if not failure.retryable:
                raise failure
            if attempt == policy.attempts:
                raise ProviderUnavailable(str(failure), retry_after=retry_after)
            if retry_after is not None and retry_after > policy.max_delay:
                raise ProviderUnavailable(
                    f"{failure} (asked to wait {retry_after:.0f} s)", retry_after=retry_after
                )
            delay = policy.backoff(attempt, retry_after=retry_after, rng=self._rng)
            logger.info(
                "%s: attempt %d failed (%s); retrying in %.1f s", self.provider, attempt, failure, delay
            )
            self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(
        self, client: httpx.Client, *, url: httpx.URL, body: str, headers: dict[str, str]
    ) -> tuple[int, httpx.Headers, bytes]:
        request = client.build_request("POST", url, content=body.encode("utf-8"), headers=headers)
        response = client.send(request, stream=True)
        try:
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > RESPONSE_MAX_BYTES:
                    raise ProviderUnavailable(
                        f"{self.provider}: response larger than {RESPONSE_MAX_BYTES} bytes"
                    )
                chunks.append(chunk)
            return response.status_code, response.headers, b"".join(chunks)
        finally:
            response.close()

    def _decode(self, raw: bytes) -> Any:
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise InvalidOutput(f"{self.provider}: the response is not JSON") from exc

    def _failure(self, status: int, raw: bytes) -> ProviderError:
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        kind, message = error_detail(data)
        text = (
            f"{self.provider}: HTTP {status}"
            + (f" {kind}" if kind else "")
            + (f": {message}" if message else "")
        )
        if status in (401, 403):
            return ProviderRejected(text, reason="auth")
        if status == 429 and kind == "insufficient_quota":
            return ProviderRejected(text, reason="quota")  # OpenAI: retrying cannot help
        if status in RETRYABLE_STATUSES or status >= 500:
            return ProviderUnavailable(text)
        if status == 404:
            return ProviderRejected(text, reason="model")
        if status == 402:
            return ProviderRejected(text, reason="quota")
        return ProviderRejected(text, reason="request")
