"""Extractive summary and action items from a mail's new text (quotes and signatures already split off)."""

from __future__ import annotations

import re

SUMMARY_MAX_CHARS = 320
ACTION_ITEM_MAX_CHARS = 200
ACTION_ITEMS_MAX = 5
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"'«(]?[A-ZÀ-ÖØ-ÞÄÖÜ0-9])")
_WORD = re.compile(r"\w+", re.UNICODE)
_URL_ONLY = re.compile(r"^\W*(?:https?://|www\.)\S+\W*$", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-*•·]|\d{1,2}[.)])\s+")

GREETING = re.compile(
    r"^(?:hi|hello|hey|dear|good\s+(?:morning|afternoon|evening)|greetings|"
    r"hallo|hi\s+zusammen|liebe[rs]?|sehr\s+geehrte[rs]?|guten\s+(?:tag|morgen|abend)|moin|servus|grüß\s+gott|"
    r"bonjour|bonsoir|salut|cher|chère|chers|madame|monsieur|"
    r"ciao|buongiorno|buonasera|salve|gentile|gentili|egregio|caro|cara|cari)\b[^.!?\n]{0,60}[,!:]?\s*$",
    re.IGNORECASE,
)
CLOSING = re.compile(
    r"^(?:thanks?(?:\s+you)?(?:\s+(?:in\s+advance|again|so\s+much))?|many\s+thanks|cheers|best|regards|"
    r"best\s+regards|kind\s+regards|warm\s+regards|sincerely|yours(?:\s+truly)?|all\s+the\s+best|"
    r"danke(?:\s+schön)?(?:\s+im\s+voraus)?|vielen\s+dank|viele\s+grüße|liebe\s+grüße|beste\s+grüße|"
    r"mit\s+freundlichen\s+grüßen|freundliche\s+grüße|herzliche\s+grüße|lg|vg|mfg|gruß|grüße|"
    r"merci(?:\s+beaucoup|\s+d'avance)?|cordialement|bien\s+cordialement|bien\s+à\s+vous|amicalement|"
    r"bonne\s+journée|"
    r"grazie(?:\s+mille)?|cordiali\s+saluti|distinti\s+saluti|saluti|un\s+saluto|a\s+presto|buona\s+giornata)"
    r"\b[^\n]{0,40}$",
    re.IGNORECASE,
)
BOILERPLATE = re.compile(
    r"unsubscribe|abmelden|abbestellen|désinscri|desinscri|disiscriv|cancella(?:re)?\s+l'iscrizione|"
    r"view\s+(?:this\s+)?(?:email|it)\s+in\s+(?:your|a)\s+browser|im\s+browser\s+(?:ansehen|anzeigen)|"
    r"privacy\s+policy|datenschutz|confidential|vertraulich|this\s+e-?mail\s+(?:and\s+any|is\s+intended)|"
    r"sent\s+from\s+my|gesendet\s+von|envoyé\s+de\s+mon|inviato\s+da",
    re.IGNORECASE,
)
SALIENT = re.compile(
    r"please|urgent|deadline|asap|meeting|invoice|payment|due|confirm|approve|review|sign|attached|"
    r"bitte|dringend|frist|termin|rechnung|zahlung|bestätig|freigabe|anbei|im\s+anhang|"
    r"merci\s+de|urgent|réunion|facture|paiement|échéance|ci-joint|"
    r"per\s+favore|urgente|riunione|fattura|pagamento|scadenza|in\s+allegato",
    re.IGNORECASE,
)
REQUEST = re.compile(
    r"\b(?:please|pls|could\s+you|can\s+you|would\s+you|will\s+you|would\s+you\s+mind|i\s+need\s+you\s+to|"
    r"we\s+need\s+you\s+to|you\s+(?:need|have)\s+to|you\s+must|make\s+sure|don't\s+forget|do\s+not\s+forget|"
    r"let\s+me\s+know|let\s+us\s+know|get\s+back\s+to\s+me|kindly|"
    r"bitte|könnten\s+sie|können\s+sie|würden\s+sie|kannst\s+du|könntest\s+du|würdest\s+du|sie\s+müssen|"
    r"du\s+musst|denken\s+sie\s+daran|denk\s+daran|vergessen\s+sie\s+nicht|gib\s+mir\s+bescheid|"
    r"geben\s+sie\s+mir\s+bescheid|"
    r"merci\s+de|pourriez-vous|pouvez-vous|peux-tu|pourrais-tu|veuillez|je\s+vous\s+prie\s+de|"
    r"n'oubliez\s+pas|n'oublie\s+pas|il\s+faut\s+que\s+vous|tenez-moi\s+au\s+courant|"
    r"per\s+favore|per\s+cortesia|potresti|potrebbe|potete|puoi|può|la\s+prego\s+di|vi\s+preghiamo\s+di|"
    r"ti\s+chiedo\s+di|si\s+prega\s+di|non\s+dimenticare|fammi\s+sapere|mi\s+faccia\s+sapere)\b",
    re.IGNORECASE,
)
IMPERATIVE_START = re.compile(
    r"^(?:send|review|confirm|sign|pay|call|reply|respond|check|update|submit|complete|approve|fill\s+in|"
    r"fill\s+out|book|schedule|prepare|forward|register|upload|return|schicken|senden|prüfen|bestätigen|"
    r"unterschreiben|zahlen|überweisen|rufen|melden|vorbereiten|ausfüllen|envoyez|envoie|vérifiez|"
    r"confirmez|signez|payez|appelez|répondez|remplissez|inviate|invia|controlla|verificate|conferma|"
    r"confermate|firma|firmate|paga|pagate|chiama|rispondi|compila)\b",
    re.IGNORECASE,
)
SECOND_PERSON = re.compile(
    r"\b(?:you|your|sie|ihnen|ihr|du|dir|dich|euch|vous|votre|vos|tu|te|toi|ton|ta|lei|voi|ti|tuo|tua|vostro)\b",
    re.IGNORECASE,
)


def sentences_split(text: str) -> list[str]:
    """Lines and sentences of ``text``, without blank lines; bullets become their own sentences."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        buffer: list[str] = []
        for line in lines:
            if _BULLET.match(line) or GREETING.match(line) or CLOSING.match(line):
                if buffer:
                    out.extend(_SENTENCE_END.split(" ".join(buffer)))
                    buffer = []
                out.append(_BULLET.sub("", line))
            else:
                buffer.append(line)
        if buffer:
            out.extend(_SENTENCE_END.split(" ".join(buffer)))
    return [s.strip() for s in out if s.strip()]


def is_content_sentence(sentence: str) -> bool:
    words = _WORD.findall(sentence)
    return not (
        len(words) < 3
        or GREETING.match(sentence)
        or CLOSING.match(sentence)
        or _URL_ONLY.match(sentence)
        or BOILERPLATE.search(sentence)
        or sentence.startswith(">")
        or sum(c.isalpha() for c in sentence) < len(sentence) * 0.5
    )


def summary_extract(*, text: str, subject: str = "", max_chars: int = SUMMARY_MAX_CHARS) -> str:
    """One or two salient sentences of ``text`` in document order; the subject when nothing qualifies."""
    candidates = [s for s in sentences_split(text[:20_000])[:60] if is_content_sentence(s)]
    if not candidates:
        return _clip(subject.strip(), max_chars)
    subject_words = {w.lower() for w in _WORD.findall(subject) if len(w) > 3}
    scored = []
    for index, sentence in enumerate(candidates):
        words = [w.lower() for w in _WORD.findall(sentence)]
        score = 1.0 / (1 + index * 0.35)
        score += 0.5 * len(subject_words.intersection(words)) / (1 + len(subject_words))
        score += 0.4 if SALIENT.search(sentence) else 0.0
        score += 0.3 if REQUEST.search(sentence) else 0.0
        score -= 0.3 if len(words) > 45 else 0.0
        scored.append((score, index, sentence))
    best = sorted(scored, key=lambda item: (-item[0], item[1]))[:2]
    chosen = [sentence for _, _, sentence in sorted(best, key=lambda item: item[1])]
    summary = chosen[0]
    if len(chosen) > 1 and len(summary) + len(chosen[1]) + 1 <= max_chars:
        summary = f"{summary} {chosen[1]}"
    return _clip(summary, max_chars)


def action_items_extract(*, text: str) -> tuple[str, ...]:
    """Requests, imperatives and questions addressed to the reader, at most five."""
    items: list[str] = []
    for sentence in sentences_split(text[:20_000])[:80]:
        if not is_content_sentence(sentence):
            continue
        is_question = sentence.rstrip().endswith("?") and SECOND_PERSON.search(sentence) is not None
        if REQUEST.search(sentence) or IMPERATIVE_START.match(sentence) or is_question:
            items.append(_clip(sentence, ACTION_ITEM_MAX_CHARS))
        if len(items) >= ACTION_ITEMS_MAX:
            break
    return tuple(dict.fromkeys(items))


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return f"{cut}…"
