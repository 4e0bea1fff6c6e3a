"""The local analyzer: header signals, heuristics, calendar parts and optional learned classifiers — no LLM."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Protocol

import numpy as np

from emails.analysis.calendar import calendar_invite
from emails.analysis.deadlines import deadline_find
from emails.analysis.language import language_detect
from emails.analysis.signals import HeaderSignals, header_signals
from emails.analysis.spam import SPAM_THRESHOLD, spam_heuristics
from emails.analysis.summary import BOILERPLATE, action_items_extract, summary_extract
from emails.analysis.types import Category, Deadline, FieldPrediction, LocalAnalysis, Source
from emails.parsing import ParsedMessage
from emails.sanitize import reply_split

CLASSIFIER_MIN_PROBABILITY = 0.6

URGENT = re.compile(
    r"\b(?:urgent(?:ly)?|asap|a\.s\.a\.p|immediately|right\s+away|as\s+soon\s+as\s+possible|time[-\s]sensitive|"
    r"high\s+priority|critical|emergency|dringend|eilt|eilig|sofort|umgehend|unverzüglich|"
    r"so\s+schnell\s+wie\s+möglich|schnellstmöglich|möglichst\s+schnell|"
    r"urgente?s?|immédiatement|dès\s+que\s+possible|au\s+plus\s+vite|sans\s+délai|"
    r"subito|immediatamente|al\s+più\s+presto|quanto\s+prima|con\s+urgenza|tempestivamente)\b",
    re.IGNORECASE,
)
IMPORTANT = re.compile(
    r"\b(?:important|wichtig|importante?|importanti|crucial|essential|mandatory|required|action\s+required|"
    r"zwingend|erforderlich|obligatoire|requis|obbligatori[oa]|richiest[oa]|contract|vertrag|contrat|contratto|"
    r"legal|rechtlich|juridique|legale|termination|kündigung|résiliation|disdetta|mahnung|"
    r"final\s+notice|letzte\s+mahnung|dernier\s+rappel|ultimo\s+sollecito|sollecito|relance)\b",
    re.IGNORECASE,
)
INVOICE = re.compile(
    r"\b(?:invoice|receipt|payment|bill(?:ing)?|amount\s+due|overdue|refund|iban|"
    r"rechnung|quittung|zahlung|zahlungserinnerung|mahnung|überweisung|betrag|lastschrift|"
    r"facture|reçu|paiement|montant|échéance|relance|virement|"
    r"fattura|ricevuta|pagamento|importo|bonifico|scadenza|sollecito)\b",
    re.IGNORECASE,
)
MEETING = re.compile(
    r"\b(?:meeting|call|conference|appointment|agenda|schedule|reschedule|zoom|teams|webex|"
    r"besprechung|termin|treffen|telefonat|sitzung|einladung|"
    r"réunion|rendez-vous|rdv|appel|visioconférence|"
    r"riunione|appuntamento|incontro|chiamata|videochiamata)\b",
    re.IGNORECASE,
)
NOTIFICATION = re.compile(
    r"\b(?:notification|alert|your\s+order|has\s+shipped|password\s+reset|verification\s+code|sign-?in|"
    r"security\s+alert|delivery\s+status|benachrichtigung|bestellung|versandt|passwort|anmeldung|"
    r"avis|commande|expédiée|mot\s+de\s+passe|connexion|notifica|ordine|spedito|accesso)\b",
    re.IGNORECASE,
)


class ClassifierSet(Protocol):
    """Learned per-user (or global) classifiers; :class:`emails.analysis.learning.UserClassifiers` is one."""

    def predict(
        self, *, parsed: ParsedMessage, embedding: np.ndarray | None
    ) -> Mapping[str, FieldPrediction]: ...


def local_analyze(
    *,
    parsed: ParsedMessage,
    text: str,
    user_language: str,
    vip_senders: Iterable[str] = (),
    classifiers: ClassifierSet | None = None,
    embedding: np.ndarray | None = None,
    now: datetime | None = None,
) -> LocalAnalysis:
    """Triage one message without an LLM (see docs/analysis.md for the rules and their order).

    ``text`` is the sanitized plain text of the body; ``vip_senders`` holds addresses or ``@domain``
    patterns; ``embedding`` feeds the classifiers when they need one.
    """
    del user_language  # the extractive summary stays in the mail's language; translation is the LLM's job
    analyzed_at = now or datetime.now(UTC)
    signals = header_signals(parsed=parsed)
    parts = reply_split(text=text)
    new_text = parts.visible or text
    content = f"{parsed.subject}\n{new_text}"
    sources: dict[str, str] = {}
    reasons: list[str] = []

    language = language_detect(text=content)
    sources["language"] = Source.HEURISTICS

    invite = calendar_invite(parts=parsed.calendar)
    if invite is not None:
        sources["calendar"] = Source.CALENDAR

    reference = (parsed.date or analyzed_at).date()
    deadline = deadline_find(text=content, reference=reference)
    if deadline is not None:
        sources["deadline"] = Source.HEURISTICS
    actions = () if signals.is_bulk else action_items_extract(text=new_text)
    if actions:
        sources["action_items"] = Source.HEURISTICS

    spam = spam_heuristics(parsed=parsed, text=text, signals=signals)
    spam_score = spam.score
    sources["spam"] = Source.HEADERS if "x_spam_flag" in spam.reasons else Source.HEURISTICS
    reasons.extend(f"spam:{r}" for r in spam.reasons)

    is_newsletter, newsletter_kind, newsletter_source = newsletter_detect(
        signals=signals, parsed=parsed, text=text
    )
    sources["newsletter"] = newsletter_source

    vip = _is_vip(parsed, vip_senders)
    automated = signals.auto_submitted or signals.noreply_sender or signals.precedence in {"bulk", "junk"}

    urgency, urgency_source = _urgency(content, parsed.subject, signals, deadline, reference)
    importance, importance_source = _importance(content, signals, vip, bool(actions))
    if is_newsletter or automated:
        urgency, importance = 1, min(importance, 2)
        urgency_source = importance_source = Source.HEADERS
    if vip:
        reasons.append("vip_sender")

    category, category_source = _category(
        invite=invite is not None,
        spam=spam_score >= SPAM_THRESHOLD,
        newsletter=is_newsletter and newsletter_kind != "discussion_list",
        automated=automated,
        content=content,
        has_actions=bool(actions) or deadline is not None,
        signals=signals,
    )
    confidence = {"category": 0.85 if category_source in (Source.HEADERS, Source.CALENDAR) else 0.55}

    if classifiers is not None:
        predictions = classifiers.predict(parsed=parsed, embedding=embedding)
        for name, prediction in predictions.items():
            if name == "spam":  # blended, whatever its confidence: the heuristics alone are weak
                fallback = prediction.probability if prediction.value == "1" else 1 - prediction.probability
                probability = prediction.probabilities.get("1", fallback)
                spam_score = round(0.7 * probability + 0.3 * spam_score, 3)
                sources["spam"] = Source.CLASSIFIER
            elif prediction.probability < CLASSIFIER_MIN_PROBABILITY:
                continue
            elif name == "urgency":
                urgency, urgency_source = int(prediction.value), Source.CLASSIFIER
            elif name == "importance":
                importance, importance_source = int(prediction.value), Source.CLASSIFIER
            elif name == "category" and prediction.value in Category.__members__.values():
                category, category_source = Category(prediction.value), Source.CLASSIFIER
                confidence["category"] = prediction.probability
    is_spam = spam_score >= SPAM_THRESHOLD
    if is_spam and category_source != Source.CLASSIFIER:
        category, category_source = Category.SPAM, Source(sources["spam"])
    if is_spam:
        urgency, importance = 1, 1

    sources.update(urgency=urgency_source, importance=importance_source, category=category_source)
    sources["summary"] = Source.HEURISTICS
    summary = summary_extract(text=new_text, subject=parsed.subject)
    confidence["language"] = language.confidence
    confidence["spam"] = abs(spam_score - 0.5) * 2
    overall = round(sum(confidence.values()) / len(confidence), 2)
    return LocalAnalysis(
        urgency=max(1, min(3, urgency)),
        importance=max(1, min(3, importance)),
        category=category,
        summary=summary,
        action_items=actions,
        deadline=deadline,
        is_spam=is_spam,
        spam_score=spam_score,
        is_newsletter=is_newsletter,
        newsletter_kind=newsletter_kind,
        calendar=invite,
        language=language.language,
        confidence=overall,
        sources={k: str(v) for k, v in sources.items()},
        reasons=tuple(reasons),
        analyzed_at=analyzed_at,
    )


_NEWSLETTER_CONTENT = re.compile(
    r"newsletter|view\s+(?:this\s+)?(?:email|message|it)\s+(?:in|online)|manage\s+(?:your\s+)?(?:subscription|"
    r"preferences)|you\s+(?:are\s+)?receiv(?:e|ing)\s+this\s+(?:e-?mail|message)\s+because|"
    r"email\s+preferences|im\s+browser\s+(?:ansehen|anzeigen|öffnen)|"
    r"vous\s+recevez\s+ce(?:t)?\s+(?:e-?mail|message)|gérer\s+vos\s+préférences|"
    r"ricevi\s+questa\s+(?:e-?mail|mail)|gestisci\s+le\s+preferenze",
    re.IGNORECASE,
)


def newsletter_detect(
    *, signals: HeaderSignals, parsed: ParsedMessage, text: str
) -> tuple[bool, str | None, Source]:
    """(is newsletter, "bulk" | "discussion_list" | None, source): list headers first, then content cues
    (unsubscribe footer, "view in browser"/"you receive this because", noreply sender, image-heavy HTML)."""
    if signals.is_list or signals.feedback_id:
        return True, "discussion_list" if signals.is_discussion_list else "bulk", Source.HEADERS
    tail = text[-3000:]
    cues = (
        int(bool(BOILERPLATE.search(tail)) and re.search(r"unsubscribe|abmelden|abbestellen|désinscri|disiscriv",
                                                          tail, re.IGNORECASE) is not None)
        + int(_NEWSLETTER_CONTENT.search(text[:20_000]) is not None)
        + int(signals.noreply_sender)
        + int(parsed.html_body.lower().count("<img") >= 3)
    )  # fmt: skip
    if cues >= 2:
        return True, "bulk", Source.HEURISTICS
    return False, None, Source.HEURISTICS


def _is_vip(parsed: ParsedMessage, vip_senders: Iterable[str]) -> bool:
    sender = parsed.from_address.address.lower() if parsed.from_address else ""
    if not sender:
        return False
    for pattern in vip_senders:
        pattern = pattern.strip().lower()
        if pattern and (sender == pattern or (pattern.startswith("@") and sender.endswith(pattern))):
            return True
    return False


def _urgency(
    content: str, subject: str, signals: HeaderSignals, deadline: Deadline | None, reference: date
) -> tuple[int, Source]:
    """An urgency cue gives 2 (3 in the subject); a deadline ≤ 2 days gives 3, ≤ 7 days 2; headers add one."""
    urgency, source = 1, Source.HEURISTICS
    if URGENT.search(content):
        urgency = 3 if URGENT.search(subject) else 2
    if deadline is not None:
        days = (deadline.when - reference).days
        urgency = max(urgency, 3 if days <= 2 else 2 if days <= 7 else 1)
    if signals.high_priority:
        urgency, source = min(3, urgency + 1), Source.HEADERS
    elif signals.low_priority:
        urgency, source = 1, Source.HEADERS
    return urgency, source


def _importance(content: str, signals: HeaderSignals, vip: bool, has_actions: bool) -> tuple[int, Source]:
    importance, source = 1, Source.HEURISTICS
    direct = not signals.is_list and 0 < signals.recipients <= 3
    if direct or has_actions:
        importance = 2
    if IMPORTANT.search(content) or INVOICE.search(content):
        importance = max(importance, 2)
        if has_actions or direct:
            importance = 3 if IMPORTANT.search(content) else importance
    if signals.high_priority:
        importance = min(3, importance + 1)
        source = Source.HEADERS
    if vip:
        importance, source = 3, Source.HEADERS
    return importance, source


def _category(
    *,
    invite: bool,
    spam: bool,
    newsletter: bool,
    automated: bool,
    content: str,
    has_actions: bool,
    signals: HeaderSignals,
) -> tuple[Category, Source]:
    if spam:
        return Category.SPAM, Source.HEURISTICS
    if invite:
        return Category.MEETING, Source.CALENDAR
    if newsletter:
        return Category.NEWSLETTER, Source.HEADERS
    if INVOICE.search(content):
        return Category.INVOICE_PAYMENT, Source.HEURISTICS
    if automated or NOTIFICATION.search(content[:400]):
        return Category.NOTIFICATION, Source.HEADERS if automated else Source.HEURISTICS
    if MEETING.search(content[:2000]) and (
        has_actions or re.search(r"\d{1,2}[:.h]\d{2}|\d{1,2}\s?(?:am|pm)\b", content)
    ):
        return Category.MEETING, Source.HEURISTICS
    if has_actions:
        return Category.ACTION_REQUIRED, Source.HEURISTICS
    if not signals.is_list and 0 < signals.recipients <= 3:
        return Category.PERSONAL, Source.HEURISTICS
    return Category.INFO, Source.HEURISTICS
