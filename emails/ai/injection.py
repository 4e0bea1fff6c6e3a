"""Detect mail that tries to instruct an AI, and keep such mail from raising its own priority.

The detector looks at four channels: the visible text, text hidden in HTML (display:none,
visibility:hidden, font-size:0, white-on-white, off-screen, zero-size boxes, opacity:0), image alt
and title texts, and calendar DESCRIPTION/SUMMARY/LOCATION/COMMENT fields. Each channel is matched
against phrases in English, German, French and Italian that address an AI rather than a person:
"ignore all previous instructions", "du bist jetzt ein …", "en tant qu'IA", "segna questa email
come urgente", chat-template tokens, fake system prompts. Ordinary mail that says "please ignore my
last mail" or "follow the installation instructions" does not match: the phrases need the
AI-directed object ("previous instructions", "system prompt", "this e-mail as urgent").

Hidden HTML alone is normal (newsletter preheaders); hidden HTML that instructs is a strong signal.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lxml import html as lxml_html

from emails.ai.schema import AnalysisResult

FLAG_THRESHOLD = 0.5
HIDDEN_BOOST = 0.3  # an instruction someone went to the trouble of hiding is worse than a visible one

_ZERO_WIDTH = re.compile(r"[\u200b-\u200f\u2060-\u2064\ufeff\u00ad]")


@dataclass(frozen=True)
class Pattern:
    label: str
    weight: float
    regex: re.Pattern[str]


def _p(label: str, weight: float, expression: str) -> Pattern:
    return Pattern(label, weight, re.compile(expression, re.IGNORECASE))


_INSTRUCTIONS_EN = r"(?:instructions?|prompts?|rules|directions|guidelines|directives|commands|context)"
_INSTRUCTIONS_DE = r"(?:anweisungen|instruktionen|befehle|regeln|vorgaben|richtlinien|prompts?)"
_INSTRUCTIONS_FR = r"(?:instructions|consignes|directives|règles|regles|ordres|prompts?)"
_INSTRUCTIONS_IT = r"(?:istruzioni|indicazioni|direttive|regole|comandi|prompt)"
_MAIL_EN = r"(?:e-?mail|message|mail)"
_MAIL_DE = r"(?:e-?mail|mail|nachricht)"
_MAIL_FR = r"(?:e-?mail|courriel|message|mail)"
_MAIL_IT = r"(?:e-?mail|mail|messaggio)"
_AI_EN = r"(?:ai|a\.i\.|assistant|language model|llm|chatbot|gpt|chatgpt|claude|model|bot)"
_AI_DE = r"(?:ki|ki-assistent|assistent|sprachmodell|modell|bot|chatbot)"
_AI_FR = r"(?:ia|assistant|modèle|modele|bot|chatbot|intelligence\s+artificielle)"
_AI_IT = r"(?:ia|assistente|modello|bot|chatbot|intelligenza\s+artificiale)"

PATTERNS: tuple[Pattern, ...] = (
    # English
    _p(
        "en: override previous instructions",
        0.8,
        rf"\b(?:ignore|disregard|forget|override|bypass|skip)\s+(?:all\s+|any\s+|every\s+)?(?:of\s+)?(?:the\s+|your\s+|these\s+|those\s+)?"
        rf"(?:previous|prior|above|earlier|preceding|original|system|initial|existing)\s+{_INSTRUCTIONS_EN}",
    ),
    _p(
        "en: override instructions",
        0.6,
        rf"\b(?:ignore|disregard|forget)\s+(?:all\s+)?(?:your|the system)\s+{_INSTRUCTIONS_EN}",
    ),
    _p(
        "en: role change",
        0.6,
        rf"\byou\s+are\s+(?:now|no\s+longer|from\s+now\s+on)\s+(?:an?\s+|the\s+)?(?:[\w-]+\s+){{0,3}}{_AI_EN}\b",
    ),
    _p("en: addressing the AI", 0.4, rf"\b(?:dear|attention|note to|hey|hello)\s+(?:the\s+)?{_AI_EN}\b"),
    _p("en: as an AI", 0.3, r"\b(?:as|if you are)\s+an?\s+(?:ai|language model|llm|assistant)\b"),
    _p(
        "en: rate this mail",
        0.45,
        rf"\b(?:mark|classify|flag|label|rate|treat|categori[sz]e|tag|score)\s+(?:this|the)\s+{_MAIL_EN}\s+as\s+"
        r"(?:urgent|important|high|critical|safe|legitimate|not\s+spam|priority|trusted)",
    ),
    _p("en: set field", 0.6, r"\bset\s+(?:the\s+)?(?:urgency|importance|confidence)\s+(?:level\s+)?(?:to|=)"),
    _p(
        "en: output control",
        0.5,
        r"\b(?:respond|reply|answer|output|return)\s+(?:only\s+)?with\s+(?:the\s+following|this)\s+(?:json|text|answer)",
    ),
    _p("en: new instructions", 0.5, r"\b(?:new|updated|real|actual|hidden)\s+(?:system\s+)?instructions\s*:"),
    _p("en: system prompt", 0.4, r"\b(?:system\s+prompt|developer\s+mode|jailbreak|do anything now)\b"),
    _p(
        "en: reveal prompt",
        0.6,
        r"\b(?:reveal|print|repeat|show)\s+(?:your|the)\s+(?:system\s+)?(?:prompt|instructions)\b",
    ),
    _p(
        "en: AI summary steering",
        0.5,
        rf"\bwhen\s+(?:summari[sz]ing|analy[sz]ing|classifying)\s+this\s+{_MAIL_EN}\b",
    ),
    # German
    _p(
        "de: override previous instructions",
        0.8,
        rf"\b(?:ignorier(?:e|en|t)?|vergiss|vergessen\s+sie|missachte|übergehe)\s+(?:sie\s+)?(?:bitte\s+)?(?:alle\s+|sämtliche\s+)?(?:deine\s+|ihre\s+|die\s+)?"
        rf"(?:vorherigen|bisherigen|obigen|vorigen|früheren|ursprünglichen|system)\w*\s*{_INSTRUCTIONS_DE}",
    ),
    _p(
        "de: override instructions",
        0.6,
        rf"\b(?:ignoriere|vergiss|missachte)\s+(?:alle\s+)?(?:deine|die)\s+{_INSTRUCTIONS_DE}",
    ),
    _p(
        "de: role change",
        0.6,
        rf"\bdu\s+bist\s+(?:jetzt|nun|ab\s+sofort|ab\s+jetzt)\s+(?:ein|eine|der|die|kein)\s+(?:[\w-]+\s+){{0,3}}{_AI_DE}\b",
    ),
    _p(
        "de: addressing the AI",
        0.4,
        r"\b(?:liebe|lieber|hallo|achtung|hinweis\s+an\s+die)\s+(?:ki|künstliche\s+intelligenz|assistent|sprachmodell)\b",
    ),
    _p("de: as an AI", 0.3, r"\bals\s+(?:ki|sprachmodell|ki-assistent)\b"),
    _p(
        "de: rate this mail",
        0.45,
        rf"\b(?:markiere|klassifiziere|stufe|bewerte|kennzeichne|behandle)\s+(?:diese|die)\s+{_MAIL_DE}\s+(?:als|mit)\s+"
        r"(?:dringend|wichtig|hoch|kritisch|sicher|seriös|kein\s+spam|priorität)",
    ),
    _p(
        "de: set field",
        0.6,
        r"\bsetze\s+(?:die\s+)?(?:dringlichkeit|wichtigkeit|priorität|kategorie)\s+auf\b",
    ),
    _p("de: new instructions", 0.5, r"\b(?:neue|geänderte|eigentliche)\s+(?:system)?anweisungen\s*:"),
    _p("de: system prompt", 0.5, r"\b(?:systemprompt|system-prompt|systemanweisung\w*)\b"),
    _p(
        "de: AI summary steering",
        0.5,
        rf"\bwenn\s+du\s+diese\s+{_MAIL_DE}\s+(?:zusammenfasst|analysierst|bewertest)",
    ),
    # French
    _p(
        "fr: override previous instructions",
        0.8,
        rf"\b(?:ignore[rz]?|oublie[rz]?|ne\s+tiens\s+pas\s+compte\s+des?|ne\s+tenez\s+pas\s+compte\s+des?)\s+(?:toutes\s+)?(?:les\s+|tes\s+|vos\s+)?"
        rf"{_INSTRUCTIONS_FR}\s+(?:précédentes|precedentes|antérieures|anterieures|ci-dessus|initiales|du\s+système|système)",
    ),
    _p(
        "fr: override instructions",
        0.6,
        rf"\b(?:ignore[rz]?|oublie[rz]?)\s+(?:toutes\s+)?(?:tes|vos)\s+{_INSTRUCTIONS_FR}",
    ),
    _p(
        "fr: role change",
        0.6,
        rf"\b(?:tu\s+es|vous\s+êtes)\s+(?:maintenant|désormais|dorénavant|à\s+présent)\s+(?:un|une|le|la|l')\s*(?:[\w-]+\s+){{0,3}}{_AI_FR}\b",
    ),
    _p(
        "fr: addressing the AI",
        0.4,
        r"\b(?:chère|cher|attention|note\s+à\s+l')\s*(?:ia|intelligence\s+artificielle|assistant)\b",
    ),
    _p("fr: as an AI", 0.3, r"\ben\s+tant\s+qu[e']\s*(?:ia|assistant|modèle\s+de\s+langage)\b"),
    _p(
        "fr: rate this mail",
        0.45,
        rf"\b(?:marque[rz]?|classe[rz]?|considère|considérez|traite[rz]?)\s+(?:ce|cet|le)\s+{_MAIL_FR}\s+comme\s+"
        r"(?:urgent|important|prioritaire|sûr|légitime|non\s+spam|fiable)",
    ),
    _p("fr: new instructions", 0.5, r"\bnouvelles\s+instructions\s*:"),
    _p("fr: system prompt", 0.5, r"\b(?:prompt|invite)\s+(?:du\s+)?système\b"),
    # Italian
    _p(
        "it: override previous instructions",
        0.8,
        rf"\b(?:ignora(?:re|te)?|dimentica(?:re|te)?|trascura)\s+(?:tutte\s+)?(?:le\s+|tue\s+|le\s+tue\s+)?"
        rf"{_INSTRUCTIONS_IT}\s+(?:precedenti|sopra|iniziali|originali|di\s+sistema)",
    ),
    _p(
        "it: override instructions",
        0.6,
        rf"\b(?:ignora|dimentica)\s+(?:tutte\s+)?(?:le\s+)?tue\s+{_INSTRUCTIONS_IT}",
    ),
    _p(
        "it: role change",
        0.6,
        rf"\b(?:sei|ora\s+sei)\s+(?:ora|adesso|da\s+ora)\s+(?:un|una|il|la|l')\s*(?:[\w-]+\s+){{0,3}}{_AI_IT}\b",
    ),
    _p(
        "it: addressing the AI",
        0.4,
        r"\b(?:cara|caro|attenzione|nota\s+per\s+l')\s*(?:ia|intelligenza\s+artificiale|assistente)\b",
    ),
    _p("it: as an AI", 0.3, r"\bin\s+quanto\s+(?:ia|assistente|modello\s+linguistico)\b"),
    _p(
        "it: rate this mail",
        0.45,
        rf"\b(?:segna|classifica|considera|tratta|contrassegna)\s+(?:questa|questo|la|il)\s+{_MAIL_IT}\s+come\s+"
        r"(?:urgente|importante|prioritari[oa]|sicur[oa]|legittim[oa]|non\s+spam|affidabile)",
    ),
    _p("it: new instructions", 0.5, r"\bnuove\s+istruzioni\s*:"),
    _p("it: system prompt", 0.5, r"\bprompt\s+di\s+sistema\b"),
    # Language-independent: chat templates, fake roles, attempts to answer in our schema
    _p(
        "chat-template token",
        0.8,
        r"<\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id)\|>|\[/?INST\]|<</?SYS>>",
    ),
    _p("fake role header", 0.3, r"(?m)^\s*(?:###\s*)?(?:system|assistant|developer)\s*:\s*\S"),
    _p(
        "fake block markers",
        0.6,
        r"(?:</?(?:system|instructions?|untrusted|email)>|UNTRUSTED-\w+|END\s+OF\s+(?:EMAIL|UNTRUSTED|USER\s+INPUT))",
    ),
    _p(
        "answer in our schema",
        0.7,
        r"[\"']?(?:urgency|importance)[\"']?\s*:\s*3\b.{0,200}[\"']?(?:importance|urgency|category)[\"']?\s*:",
    ),
)


@dataclass(frozen=True)
class InjectionReport:
    """``score`` 0–1; ``flagged`` when it reaches ``FLAG_THRESHOLD``; ``reasons`` say what matched where."""

    score: float
    reasons: tuple[str, ...]

    @property
    def flagged(self) -> bool:
        return self.score >= FLAG_THRESHOLD


def _normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", _ZERO_WIDTH.sub("", text))
    return re.sub(r"\s+", " ", text)


def _matches(text: str) -> list[Pattern]:
    normalized = _normalize(text)
    return [p for p in PATTERNS if p.regex.search(normalized)]


# --- HTML: hidden text and alt texts ----------------------------------------------------------------

_HIDDEN_STYLE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("display:none", re.compile(r"display\s*:\s*none")),
    ("visibility:hidden", re.compile(r"visibility\s*:\s*(?:hidden|collapse)")),
    ("font-size:0", re.compile(r"font-size\s*:\s*(?:0(?:\.\d+)?|0?\.\d+|1)(?:px|pt|em|rem|%)?\s*(?:;|$|!)")),
    ("opacity:0", re.compile(r"opacity\s*:\s*0(?:\.0\d*)?\s*(?:;|$|!)")),
    ("off-screen", re.compile(r"(?:left|top|right|margin-left|margin-top|text-indent)\s*:\s*-\d{3,}")),
    (
        "zero-size box",
        re.compile(
            r"(?:max-)?(?:height|width)\s*:\s*0(?:px)?\s*(?:;|$|!).*overflow\s*:\s*hidden|overflow\s*:\s*hidden.*(?:max-)?(?:height|width)\s*:\s*0(?:px)?\s*(?:;|$|!)"
        ),
    ),
    ("clipped", re.compile(r"clip\s*:\s*rect\(\s*0")),
)
_WHITE = r"(?:white|#fff(?:fff)?\b|rgba?\(\s*255\s*,\s*255\s*,\s*255)"
_COLOR_WHITE = re.compile(rf"(?:^|;|\s)color\s*:\s*{_WHITE}")
_BACKGROUND_WHITE = re.compile(rf"background(?:-color)?\s*:\s*{_WHITE}")
_BACKGROUND_ANY = re.compile(r"background(?:-color)?\s*:")


def _hiding_reason(
    element: lxml_html.HtmlElement, inherited_background_white: bool
) -> tuple[str | None, bool]:
    style = (element.get("style") or "").lower()
    background_white = inherited_background_white
    if _BACKGROUND_ANY.search(style):
        background_white = bool(_BACKGROUND_WHITE.search(style))
    bgcolor = (element.get("bgcolor") or "").lower()
    if bgcolor:
        background_white = bgcolor in ("white", "#fff", "#ffffff")
    if element.get("hidden") is not None:
        return "hidden attribute", background_white
    for label, rule in _HIDDEN_STYLE_RULES:
        if rule.search(style):
            return label, background_white
    font_color = (element.get("color") or "").lower() if element.tag == "font" else ""
    if background_white and (_COLOR_WHITE.search(style) or font_color in ("white", "#fff", "#ffffff")):
        return "white on white", background_white
    return None, background_white


@dataclass(frozen=True)
class HtmlChannels:
    hidden: tuple[tuple[str, str], ...]  # (why it is hidden, text)
    alts: tuple[str, ...]  # image alt and title texts
    visible: str


def html_channels(html: str) -> HtmlChannels:
    """The hidden texts (with why they are hidden), alt/title texts and visible text of an HTML body."""
    try:
        root = lxml_html.document_fromstring(html)
    except (ValueError, lxml_html.etree.ParserError):
        return HtmlChannels((), (), "")
    for bad in root.xpath("//script|//style|//head"):
        bad.drop_tree()
    hidden: list[tuple[str, str]] = []
    alts: list[str] = []
    visible: list[str] = []

    def walk(element: lxml_html.HtmlElement, background_white: bool) -> None:
        if not isinstance(element.tag, str):
            return
        reason, background_white = _hiding_reason(element, background_white)
        if reason:
            text = element.text_content().strip()
            if text:
                hidden.append((reason, text))
            return  # everything below is hidden too and already collected
        for attribute in ("alt", "title"):
            value = element.get(attribute)
            if value and value.strip():
                alts.append(value.strip())
        visible.append(element.text or "")
        for child in element:
            walk(child, background_white)
            visible.append(child.tail or "")
        visible.append(" ")

    # Mail is read on a white page unless the body says otherwise.
    walk(root, True)
    return HtmlChannels(tuple(hidden), tuple(alts), "".join(visible))


# --- calendar ------------------------------------------------------------------------------------

_ICS_FIELDS = ("DESCRIPTION", "SUMMARY", "LOCATION", "COMMENT", "X-ALT-DESC")


def calendar_texts(ics: str) -> list[str]:
    """The free-text fields of an iCalendar object, unfolded and unescaped."""
    unfolded = re.sub(r"\r?\n[ \t]", "", ics)
    texts = []
    for line in unfolded.splitlines():
        name, _, rest = line.partition(":")
        if name.split(";", 1)[0].upper() in _ICS_FIELDS and rest:
            value = rest.replace("\\n", "\n").replace("\\N", "\n").replace("\\,", ",").replace("\\;", ";")
            texts.append(value.replace("\\\\", "\\"))
    return texts


# --- the detector --------------------------------------------------------------------------------


def injection_scan(
    *,
    text: str = "",
    html: str | None = None,
    calendars: Sequence[str] = (),
    channels: HtmlChannels | None = None,
) -> InjectionReport:
    """Score how strongly a mail tries to instruct an AI; see the module docstring for the channels.

    ``channels``: ``html_channels(html)`` when the caller has it already (the HTML is then not parsed again).
    """
    reasons: list[str] = []
    weights: list[float] = []

    def scan(channel: str, texts: Iterable[str], boost: float = 0.0) -> None:
        for piece in texts:
            for pattern in _matches(piece):
                reason = f"{channel}: {pattern.label}"
                if reason not in reasons:
                    reasons.append(reason)
                    weights.append(min(1.0, pattern.weight + boost))

    scan("text", [text])
    if html:
        channels = channels or html_channels(html)
        for why, hidden_text in channels.hidden:
            scan(f"hidden html ({why})", [hidden_text], boost=HIDDEN_BOOST)
        scan("image alt text", channels.alts, boost=0.1)
        if not text:  # callers that pass only HTML: its visible text is the text channel
            scan("text", [channels.visible])
    for ics in calendars:
        scan("calendar", calendar_texts(ics), boost=0.1)
    # Independent signals add up: 1 - Π(1 - w).
    remaining = 1.0
    for weight in weights:
        remaining *= 1.0 - weight
    return InjectionReport(score=round(1.0 - remaining, 3), reasons=tuple(reasons))


# A hidden word or two may also stand in the visible text; only passages are cut from it.
_HIDDEN_MIN_WORDS = 3
_HIDDEN_MAX_WORDS = 2000


def visible_text(*, text: str, channels: HtmlChannels | None) -> str:
    """``text`` without the passages the HTML hides from a reader (``display:none``, white on white, …).

    A mail can tell an AI what no person sees: hidden in its HTML and, since mail clients show the HTML, often
    openly in its plain-text alternative. What the analysis summarises and rates is what the reader sees.
    """
    if not text or channels is None:
        return text
    for _why, hidden in channels.hidden:
        words = hidden.split()
        if not _HIDDEN_MIN_WORDS <= len(words) <= _HIDDEN_MAX_WORDS:
            continue
        text = re.sub(r"\s+".join(re.escape(word) for word in words), " ", text)
    return text


def priority_cap(flagged: bool, llm_result: AnalysisResult, local_result: AnalysisResult) -> AnalysisResult:
    """The LLM's result, but for a flagged mail never more urgent or important than the local analyzer says.

    A mail that tries to instruct the AI may have succeeded; its answer can still lower the priority
    or fill in the summary, but it cannot raise it above what the LLM-free analysis found.
    """
    if not flagged:
        return llm_result
    changes: dict[str, object] = {}
    sources = dict(llm_result.sources)
    for field in ("urgency", "importance"):
        if getattr(llm_result, field) > getattr(local_result, field):
            changes[field] = getattr(local_result, field)
            sources[field] = local_result.sources.get(field, "local")
    if not changes:
        return llm_result
    return llm_result.replace(**changes, sources=sources)
