"""The analyze stage in three steps, so the LLM call holds no database connection:

1. ``analyze_prepare`` (DB): load the message, run the local analyzer (always), the user's classifiers,
   sender rules and the injection scan; decide whether an LLM is asked and build its anonymized request.
2. ``analyze_call`` (no DB): the HTTP call to the provider, if any.
3. ``analyze_finish`` (DB): persist every request in ``CloudRequestLog``, combine the votes (ensemble),
   respect the user's corrections and write ``Triage``.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from accounts.services.users import user_time_zone
from emails.ai.anonymize import AnonymizationMap, Party, deanonymize, message_anonymize
from emails.ai.budget import BudgetLimits, budget_try_consume
from emails.ai.injection import InjectionReport, html_channels, injection_scan, priority_cap, visible_text
from emails.ai.providers import ANALYZERS, AnalysisOutcome, AnalysisRequest, ProviderConfig
from emails.ai.providers.base import BudgetExhausted
from emails.ai.schema import AnalysisResult
from emails.analysis.local import local_analyze
from emails.analysis.types import LocalAnalysis
from emails.models import (
    AIProvider,
    AIProviderSettings,
    CloudRequestLog,
    LogicalMessage,
    Message,
    MessageContent,
    Triage,
)
from emails.pipeline.ensemble import Vote, ensemble_decide
from emails.pipeline.senders import sender_rule_match
from emails.pipeline.stages import message_representative, parsed_from_message

logger = logging.getLogger(__name__)

DEFAULT_ENDPOINTS: dict[str, str] = {
    AIProvider.OLLAMA: "http://127.0.0.1:11434",
    AIProvider.OPENAI: "https://api.openai.com/v1",
    AIProvider.ANTHROPIC: "https://api.anthropic.com",
}
DEFAULT_MODELS: dict[str, str] = {
    AIProvider.OLLAMA: "llama3.1",
    AIProvider.OPENAI: "gpt-4o-mini",
    AIProvider.ANTHROPIC: "claude-3-5-haiku-latest",
}
SUBJECT_PREFIX = re.compile(r"^\s*((re|aw|fwd?|wg|tr|sv|r|i)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
# Fields a user's correction pins (Triage field names).
CORRECTABLE = ("urgency", "importance", "category", "is_spam")


def subject_normalize(subject: str) -> str:
    return " ".join(SUBJECT_PREFIX.sub("", subject or "").lower().split())


def ai_settings_for(*, owner_id: int) -> AIProviderSettings:
    """The user's provider settings, or the operator default (unsaved) when they never chose."""
    found = AIProviderSettings.objects.filter(owner_id=owner_id).first()
    return found or AIProviderSettings(owner_id=owner_id)


def provider_config_for(ai: AIProviderSettings) -> ProviderConfig:
    return ProviderConfig(
        base_url=(ai.endpoint or DEFAULT_ENDPOINTS[ai.provider]).rstrip("/"),
        model=ai.model or DEFAULT_MODELS[ai.provider],
        api_key=ai.api_key(),
        user_id=ai.owner_id,
    )


def budget_limits_for(ai: AIProviderSettings) -> BudgetLimits:
    defaults = BudgetLimits.from_settings()
    return BudgetLimits(
        tokens_per_day=ai.daily_token_budget
        if ai.daily_token_budget is not None
        else defaults.tokens_per_day,
        requests_per_day=(
            ai.daily_request_budget if ai.daily_request_budget is not None else defaults.requests_per_day
        ),
    )


@dataclass
class AnalyzeJob:
    """Everything the LLM call and the finish step need; holds no model instances or connections."""

    logical_id: int
    owner_id: int
    time_zone: str  # the owner's: a deadline stated as a day ends at midnight where they live
    local: LocalAnalysis
    votes: list[Vote]
    injection: InjectionReport
    trusted_sender: bool
    provider: str  # AIProvider value
    skip_reason: str = ""  # why no LLM is asked ("" = it is)
    request: AnalysisRequest | None = None
    mapping: AnonymizationMap | None = None
    config: ProviderConfig | None = field(default=None, repr=False)
    limits: BudgetLimits | None = None

    @property
    def wants_llm(self) -> bool:
        return self.request is not None and self.config is not None


def thread_context(*, message: Message, limit: int, chars: int) -> list[str]:
    """Earlier messages of the same thread (by In-Reply-To/References, else normalised subject), oldest first."""
    if limit <= 0:
        return []
    ids = [i for i in [message.in_reply_to, *(message.references or [])] if i]
    query = Q(message_id__in=ids) if ids else Q(pk__in=[])
    normalized = subject_normalize(message.subject)
    earlier = Message.objects.filter(owner_id=message.owner_id, received_at__lt=message.received_at).exclude(
        logical_id=message.logical_id
    )
    rows = list(earlier.filter(query).order_by("-received_at")[: limit * 3]) if ids else []
    if not rows and len(normalized) >= 4:
        candidates = earlier.filter(subject__icontains=normalized[:200]).order_by("-received_at")[: limit * 5]
        rows = [m for m in candidates if subject_normalize(m.subject) == normalized]
    seen: set[int] = set()
    picked: list[Message] = []
    for row in rows:
        if row.logical_id in seen:
            continue
        seen.add(row.logical_id)
        picked.append(row)
        if len(picked) >= limit:
            break
    contents = {
        c.logical_id: c for c in MessageContent.objects.filter(logical_id__in=[m.logical_id for m in picked])
    }
    texts = []
    for row in reversed(picked):
        content = contents.get(row.logical_id)
        body = (content.new_text or content.text) if content else row.text_body
        texts.append(f"From: {row.from_name} <{row.from_address}>\nSubject: {row.subject}\n\n{body[:chars]}")
    return texts


def _local_vote(local: LocalAnalysis) -> Vote:
    decided_by = local.sources.get("urgency", "heuristics")
    source = "headers" if decided_by == "headers" else "heuristics"
    return Vote(
        source=source,
        urgency=local.urgency,
        importance=local.importance,
        category=str(local.category),
        is_spam=local.is_spam,
        note=", ".join(local.reasons[:6]),
    )


def _classifier_votes(*, owner_id: int, parsed: Any, text: str, subject: str) -> list[Vote]:
    """The user's personal classifiers (training app), as one vote; none until enough labels exist."""
    try:
        from training.services.classifiers import classifier_predict
    except ImportError:  # pragma: no cover - the training app is part of this project
        return []
    predictions = classifier_predict(owner_id=owner_id, parsed=parsed, text=text, subject=subject)
    if not predictions:
        return []
    vote = Vote(source="classifier", note="personal classifier")
    accuracies = []
    for name, (prediction, accuracy) in predictions.items():
        if accuracy is not None:
            accuracies.append(accuracy)
        if name in ("urgency", "importance"):
            setattr(vote, name, int(prediction.value))
        elif name == "category":
            vote.category = prediction.value
        elif name == "spam":
            vote.is_spam = prediction.value == "1"
    if accuracies:
        vote.prior = sum(accuracies) / len(accuracies)
    return [vote]


def analyze_prepare(*, logical: LogicalMessage, now: datetime | None = None) -> AnalyzeJob:
    now = now or timezone.now()
    message = message_representative(logical_id=logical.pk)
    parsed = parsed_from_message(message)
    content = MessageContent.objects.filter(logical=logical).first()
    text = content.text if content else message.text_body
    new_text = (content.new_text or content.text) if content else message.text_body
    ai = ai_settings_for(owner_id=logical.owner_id)
    rules = sender_rule_match(owner_id=logical.owner_id, address=message.from_address)
    channels = html_channels(message.html_body) if message.html_body else None
    local = local_analyze(
        parsed=parsed,
        text=visible_text(text=text, channels=channels),
        user_language=ai.user_language,
        vip_senders=[message.from_address] if "vip" in rules else [],
    )
    votes = [_local_vote(local)]
    votes += _classifier_votes(
        owner_id=logical.owner_id, parsed=parsed, text=new_text, subject=message.subject
    )
    if "vip" in rules:
        votes.append(Vote(source="vip", importance=3, note=f"VIP sender {message.from_address}"))
    injection = injection_scan(
        text=text,
        html=message.html_body or None,
        calendars=[c.ics for c in parsed.calendar],
        channels=channels,
    )
    job = AnalyzeJob(
        logical_id=logical.pk,
        owner_id=logical.owner_id,
        time_zone=User.objects.filter(pk=logical.owner_id).values_list("time_zone", flat=True).first() or "",
        local=local,
        votes=votes,
        injection=injection,
        trusted_sender="trusted" in rules,
        provider=ai.provider,
    )
    if ai.provider == AIProvider.LOCAL:
        job.skip_reason = "provider_local"
        return job
    if ai.is_cloud and message.received_at < now - timedelta(days=ai.backfill_cloud_days):
        job.skip_reason = "older_than_cloud_window"
        return job
    if ai.is_cloud and not ai.has_api_key:
        job.skip_reason = "no_api_key"
        return job
    thread = thread_context(
        message=message,
        limit=settings.PIPELINE_THREAD_CONTEXT_MESSAGES,
        chars=settings.PIPELINE_THREAD_CONTEXT_CHARS,
    )
    body = new_text[: settings.PIPELINE_LLM_BODY_CHARS]
    headers_summary = _headers_summary(local)
    received = message.received_at.isoformat() if message.received_at else ""
    if ai.is_cloud:  # cloud providers only ever see the anonymized mail
        anonymized = message_anonymize(
            subject=message.subject,
            body=body,
            thread=thread,
            sender=Party(name=message.from_name, address=message.from_address),
            recipients=[Party(name=a.name, address=a.address) for a in (*parsed.to, *parsed.cc)],
            headers_summary=headers_summary,
        )
        job.request = AnalysisRequest(
            subject=anonymized.subject,
            body=anonymized.body,
            sender=anonymized.sender,
            user_language=ai.user_language,
            thread=anonymized.thread,
            headers_summary=anonymized.headers_summary,
            received_at=received,
        )
        job.mapping = anonymized.mapping
    else:  # a self-hosted Ollama: the mail stays on the operator's machines
        sender = (
            f"{message.from_name} <{message.from_address}>" if message.from_name else message.from_address
        )
        job.request = AnalysisRequest(
            subject=message.subject,
            body=body,
            sender=sender,
            user_language=ai.user_language,
            thread=tuple(thread),
            headers_summary=headers_summary,
            received_at=received,
        )
    job.config = provider_config_for(ai)
    job.limits = budget_limits_for(ai)
    return job


def _headers_summary(local: LocalAnalysis) -> str:
    facts = []
    if local.is_newsletter:
        facts.append(f"mailing list / newsletter ({local.newsletter_kind or 'bulk'})")
    if local.calendar is not None:
        facts.append(f"calendar invitation ({local.calendar.method or 'event'})")
    facts.extend(r for r in local.reasons if not r.startswith("spam:"))
    return "; ".join(facts)


def analyze_call(job: AnalyzeJob) -> AnalysisOutcome | None:
    """The provider call (no database access here). None when no LLM is asked."""
    if not job.wants_llm:
        return None
    assert job.config is not None
    assert job.request is not None
    analyzer_class = ANALYZERS[job.provider]
    budget = functools.partial(budget_try_consume, limits=job.limits)
    return analyzer_class(job.config, budget=budget).analyze(job.request)


def _cloud_logs_store(*, job: AnalyzeJob, outcome: AnalysisOutcome) -> None:
    CloudRequestLog.objects.bulk_create(
        [
            CloudRequestLog(
                owner_id=job.owner_id,
                logical_id=job.logical_id,
                provider=log.provider,
                model=log.model,
                endpoint=log.endpoint[:500],
                created_at=log.started_at,
                duration_ms=max(0, log.duration_ms),
                attempt=log.attempt,
                status_code=log.status_code,
                payload=log.payload,
                tokens_in=log.usage.input_tokens,
                tokens_out=log.usage.output_tokens,
                error=log.error,
            )
            for log in outcome.logs
        ]
    )


def _local_as_result(local: LocalAnalysis) -> AnalysisResult:
    # Not validated: only urgency/importance/sources are read by priority_cap.
    return AnalysisResult.model_construct(
        urgency=local.urgency,
        importance=local.importance,
        sources={"urgency": f"local:{local.sources.get('urgency', '')}", "importance": "local"},
    )


def _deadline(
    local: LocalAnalysis, llm: AnalysisResult | None, time_zone: str
) -> tuple[datetime | None, str]:
    # A mail's "by 11 December" or "Friday 10:00" means the reader's local time, not UTC.
    zone = user_time_zone(time_zone) or UTC
    if llm is not None and llm.deadline is not None:
        value = llm.deadline if llm.deadline.tzinfo else llm.deadline.replace(tzinfo=zone)
        return value, "llm"
    if local.deadline is not None:
        return datetime.combine(local.deadline.when, time(23, 59), tzinfo=zone), "heuristics"
    return None, ""


def _invite(local: LocalAnalysis) -> dict[str, Any] | None:
    if local.calendar is None:
        return None
    c = local.calendar
    return {"method": c.method, "start": c.start, "end": c.end, "title": c.title, "organizer": c.organizer}


class ProviderRetryable(Exception):
    """The provider is temporarily unavailable; the stage is retried later (``retry_after`` seconds)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def analyze_finish(*, job: AnalyzeJob, outcome: AnalysisOutcome | None, final_attempt: bool = True) -> Triage:
    """Persist request logs, combine the votes and write the Triage (corrected fields keep the user's value).

    A transient provider failure (unavailable, rate limited) raises ``ProviderRetryable`` unless this is
    the last attempt, in which case the local result is used; everything else falls back at once.
    """
    from emails.ai.providers.base import ProviderUnavailable

    llm: AnalysisResult | None = None
    provider_used = "local"
    llm_note = job.skip_reason
    if outcome is not None:
        if outcome.logs:
            _cloud_logs_store(job=job, outcome=outcome)
        if outcome.ok:
            assert outcome.result is not None
            llm = priority_cap(job.injection.flagged, outcome.result, _local_as_result(job.local))
            provider_used = job.provider
            llm_note = "capped: prompt injection suspected" if job.injection.flagged else ""
        elif isinstance(outcome.error, BudgetExhausted):
            llm_note = "budget_exhausted"
        elif isinstance(outcome.error, ProviderUnavailable) and not final_attempt:
            raise ProviderRetryable(str(outcome.error), getattr(outcome.error, "retry_after", None))
        else:
            llm_note = f"provider_error: {type(outcome.error).__name__}"
            logger.warning(
                "llm fallback to local logical=%s provider=%s error=%s",
                job.logical_id,
                job.provider,
                outcome.error,
            )
    votes = list(job.votes)
    if llm is not None:
        votes.append(
            Vote(
                source=f"llm:{job.provider}",
                urgency=llm.urgency,
                importance=llm.importance,
                category=str(llm.category),
                is_spam=llm.is_spam,
                note=llm_note,
            )
        )
    from training.selectors import source_accuracy_for_user

    decision = ensemble_decide(
        votes=votes,
        accuracy=source_accuracy_for_user(owner_id=job.owner_id),
        trusted_sender=job.trusted_sender,
    )
    sources = dict(decision.sources)
    local = job.local
    if llm is not None:
        mapping = job.mapping
        summary = deanonymize(llm.summary, mapping) if mapping else llm.summary
        actions = [deanonymize(a, mapping) if mapping else a for a in llm.action_items]
        language, confidence = llm.language, llm.confidence
        is_newsletter = llm.is_newsletter or local.is_newsletter
        sources.update(summary="llm", action_items="llm", language="llm")
    else:
        summary, actions = local.summary, list(local.action_items)
        language, confidence, is_newsletter = local.language, local.confidence, local.is_newsletter
        sources.update(summary="heuristics", action_items="heuristics", language="heuristics")
        if llm_note:
            sources["provider"] = f"local ({llm_note})"
    sources["is_newsletter"] = local.sources.get("newsletter", "headers")
    deadline, deadline_source = _deadline(local, llm, job.time_zone)
    if deadline_source:
        sources["deadline"] = deadline_source
    values: dict[str, Any] = {
        "owner_id": job.owner_id,
        "urgency": decision.urgency,
        "importance": decision.importance,
        "category": decision.category,
        "is_spam": decision.is_spam,
        "summary": summary,
        "action_items": actions,
        "deadline": deadline,
        "is_newsletter": is_newsletter,
        "invite": _invite(local),
        "language": (language or "")[:8],
        "confidence": float(confidence),
        "explanation": decision.explanation,
        "injection_flagged": job.injection.flagged,
        "injection_reasons": list(job.injection.reasons),
        "provider": provider_used,
        "analyzed_at": timezone.now(),
    }
    existing = Triage.objects.filter(logical_id=job.logical_id).first()
    if existing is not None:
        for name in existing.corrected_fields:
            if name in CORRECTABLE:
                values[name] = getattr(existing, name)
                sources[name] = "user"
        if "is_spam" in existing.corrected_fields and "category" not in existing.corrected_fields:
            if existing.is_spam:
                values["category"] = "spam"
            elif values["category"] == "spam":
                values["category"] = "info" if local.category == "spam" else str(local.category)
    values["sources"] = sources
    triage, _ = Triage.objects.update_or_create(logical_id=job.logical_id, defaults=values)
    return triage
