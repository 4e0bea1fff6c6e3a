"""Replace personal data with stable placeholders before text leaves for a cloud LLM.

What is replaced (placeholders ``[KIND_n]``, numbered per request in order of first appearance):

- ``EMAIL``: e-mail addresses (also inside ``mailto:`` links);
- ``URL``: http(s)/ftp URLs, ``www.`` addresses and bare host names followed by a path;
- ``IBAN``: IBANs with or without spaces, only when the mod-97 checksum holds;
- ``CARD``: payment card numbers (13–19 digits, known issuer prefix, Luhn checksum);
- ``PHONE``: international numbers (``+`` or ``00``) and national DE/CH/AT/FR/IT/US formats, with
  dates, prices, IP addresses, times and numbers introduced as order/invoice/customer numbers left alone;
- ``NAME``: names after a greeting ("Hallo Herr Müller,"), on the lines after a closing ("Best
  regards" + "Anna"), before an address ("Anna Schmidt <anna@…>"), and the display names of the
  sender and recipients wherever they (or their parts) appear.

Every name found anywhere in one request is replaced everywhere in that request, so "Anna" in the
subject gets the same placeholder as "Hi Anna," in the body. One ``Anonymizer`` serves one request
(subject, body, thread, headers); its ``mapping`` maps the model's answer back with ``deanonymize``.

Text that already looks like one of our placeholders is defused to ``(KIND_n)`` first, so a mail
cannot smuggle a placeholder that the mapping would later expand into someone else's data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    EMAIL = "EMAIL"
    URL = "URL"
    IBAN = "IBAN"
    CARD = "CARD"
    PHONE = "PHONE"
    NAME = "NAME"


PLACEHOLDER_RE = re.compile(r"\[(EMAIL|URL|IBAN|CARD|PHONE|NAME)_(\d{1,5})\]")


@dataclass
class AnonymizationMap:
    """Placeholders ↔ original values for one request; serialisable with ``to_dict``/``from_dict``."""

    originals: dict[str, str] = field(default_factory=dict)  # "[NAME_1]" -> "Anna"
    _keys: dict[tuple[str, str], str] = field(default_factory=dict, repr=False)
    _counters: dict[str, int] = field(default_factory=dict, repr=False)

    def placeholder_for(self, kind: Kind, value: str, key: str) -> str:
        """The placeholder of ``value`` (normalised as ``key``), allocating the next number if new."""
        existing = self._keys.get((kind.value, key))
        if existing is not None:
            return existing
        number = self._counters.get(kind.value, 0) + 1
        self._counters[kind.value] = number
        placeholder = f"[{kind.value}_{number}]"
        self._keys[(kind.value, key)] = placeholder
        self.originals[placeholder] = value
        return placeholder

    def __len__(self) -> int:
        return len(self.originals)

    def __repr__(self) -> str:  # the values are personal data: never in logs or tracebacks
        return f"AnonymizationMap({len(self.originals)} placeholders)"

    def to_dict(self) -> dict[str, Any]:
        return {
            "originals": dict(self.originals),
            "keys": [[kind, key, ph] for (kind, key), ph in self._keys.items()],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AnonymizationMap:
        mapping = cls(originals=dict(data.get("originals", {})))
        for kind, key, placeholder in data.get("keys", []):
            mapping._keys[(kind, key)] = placeholder
        for placeholder in mapping.originals:
            match = PLACEHOLDER_RE.fullmatch(placeholder)
            if match:
                kind, number = match.group(1), int(match.group(2))
                mapping._counters[kind] = max(mapping._counters.get(kind, 0), number)
        return mapping


def deanonymize(text: str, mapping: AnonymizationMap) -> str:
    """Put the original values back for every placeholder of ``mapping`` in ``text``.

    Placeholders the mapping does not know (a model inventing ``[NAME_9]``) stay as they are.
    """
    return PLACEHOLDER_RE.sub(lambda m: mapping.originals.get(m.group(0), m.group(0)), text)


# ---------------------------------------------------------------------------------------------------
# Detectors. Each yields (start, end, kind, value, key) spans on the original text; overlaps are
# resolved by the order of DETECTORS (earlier wins), then by length.

Span = tuple[int, int, Kind, str, str]

_EMAIL_RE = re.compile(
    r"(?<![\w.+%-])[\w.!#$%&'*+/=?^`{|}~-]{1,64}@(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_]{2,63}(?![\w-])"
)
_URL_RE = re.compile(
    r"(?:\b(?:https?|ftp)://|\bwww\.)[^\s<>\"'`]+"
    r"|(?<![\w@.-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}/[^\s<>\"'`]*",
    re.IGNORECASE,
)
_URL_TRAILING = ".,;:!?'\")]}>*"


def _emails(text: str) -> Iterator[Span]:
    for m in _EMAIL_RE.finditer(text):
        value = m.group(0)
        yield m.start(), m.end(), Kind.EMAIL, value, value.lower()


def _urls(text: str) -> Iterator[Span]:
    for m in _URL_RE.finditer(text):
        value = m.group(0)
        # Trailing punctuation belongs to the sentence, except a ")" that closes a "(" in the URL.
        while value and value[-1] in _URL_TRAILING:
            if value[-1] == ")" and value.count("(") >= value.count(")"):
                break
            value = value[:-1]
        if len(value) < 5:
            continue
        yield m.start(), m.start() + len(value), Kind.URL, value, value


# --- IBAN ---------------------------------------------------------------------------------------

IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
    "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
    "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
    "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29,
    "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip
_IBAN_START_RE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2})(\d{2})(?=[ \u00a0]?[A-Za-z0-9])")


def iban_is_valid(candidate: str) -> bool:
    """True when ``candidate`` (spaces allowed) has a known country's length and a valid mod-97 checksum."""
    iban = re.sub(r"[\s\u00a0]", "", candidate).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", iban):
        return False
    expected = IBAN_LENGTHS.get(iban[:2])
    if expected is not None and len(iban) != expected:
        return False
    digits = "".join(str(int(ch, 36)) for ch in iban[4:] + iban[:4])
    return int(digits) % 97 == 1


def _ibans(text: str) -> Iterator[Span]:
    for m in _IBAN_START_RE.finditer(text):
        country = m.group(1).upper()
        wanted = IBAN_LENGTHS.get(country)
        lengths = [wanted] if wanted else list(range(34, 14, -1))
        # Walk forward over alphanumerics and single spaces, noting where each length is reached.
        ends: dict[int, int] = {}
        count, pos = 0, m.start()
        while pos < len(text) and count < 34:
            ch = text[pos]
            if ch.isascii() and ch.isalnum():
                count += 1
                pos += 1
                ends[count] = pos
            elif (
                ch in " \u00a0"
                and pos + 1 < len(text)
                and text[pos + 1].isascii()
                and text[pos + 1].isalnum()
            ):
                pos += 1
            else:
                break
        for length in lengths:
            end = ends.get(length)
            if end is None:
                continue
            if end < len(text) and text[end].isascii() and text[end].isalnum():
                continue  # the IBAN would end inside a word
            value = text[m.start() : end]
            if iban_is_valid(value):
                yield m.start(), end, Kind.IBAN, value, re.sub(r"\s", "", value).upper()
                break


# --- payment cards --------------------------------------------------------------------------------

_CARD_RE = re.compile(r"(?<![\d.,/-])(?:\d[ -]?){12,18}\d(?![\d]|[.,]\d)")
_CARD_PREFIX_RE = re.compile(r"^(?:4|5[1-5]|2[2-7]|3[47]|3[0689]|6(?:011|5|4[4-9]|2)|35)")


def luhn_is_valid(digits: str) -> bool:
    """The Luhn (mod 10) checksum used by payment card numbers."""
    if not digits.isdigit():
        return False
    total = 0
    for index, ch in enumerate(reversed(digits)):
        value = int(ch)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _cards(text: str) -> Iterator[Span]:
    for m in _CARD_RE.finditer(text):
        value = m.group(0)
        digits = re.sub(r"\D", "", value)
        separators = set(re.findall(r"[ -]", value))
        if len(separators) > 1 or not 13 <= len(digits) <= 19:
            continue
        if _CARD_PREFIX_RE.match(digits) and luhn_is_valid(digits):
            yield m.start(), m.end(), Kind.CARD, value, digits


# --- phone numbers --------------------------------------------------------------------------------

_PHONE_RE = re.compile(
    r"(?<![\w+/.,:#-])"
    r"(?:(?:\+|00)\d{1,3}(?:[ \u00a0./-]{0,2}\(0\))?|\(\d{1,5}\)|\d{1,5})"
    r"(?:[ \u00a0./-]{1,2}\(?\d{1,8}\)?|\d{1,8}){0,6}"
    r"(?![\w/]|[.,:]\d)"
)
_PHONE_CONTEXT_RE = re.compile(
    r"(?:tel|telefon|telephone|téléphone|telefono|phone|mobile|mobil|handy|natel|cell|fax|portable|"
    r"cellulare|cell\.|tél|call|ruf|anrufen|appelez|chiamare|chiama|whatsapp|sms)\b[^\n\d]{0,12}$",
    re.IGNORECASE,
)
_NUMBER_CONTEXT_RE = re.compile(
    r"(?:\b(?:order|bestell|auftrag|rechnung|invoice|facture|fattura|commande|ordine|kunden|customer|client|"
    r"ticket|tracking|sendung|paket|parcel|colis|spedizione|referen|ref|iban|bic|konto|account|contrat|"
    r"vertrag|contratto|policy|police|polizza|case|fall|dossier|pratica|artikel|article|articolo|item|"
    r"serial|serien|seriale|lot|charge|transaction|transaktion|transazione|id|code|pin|tan|plz|zip)\w*"
    r"\.?\s*(?:(?:nr|no|n°|nº|num|#)\.?\s*)?|\b(?:nr|no|n°|nº)\.?\s*|#\s*)[:#]?\s*$",
    re.IGNORECASE,
)
_DATE_LIKE_RE = re.compile(
    r"^(?:\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})|\d{4}[./-]\d{1,2}[./-]\d{1,2})"
    r"(?:[ T]\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)?$"
)
_IP_LIKE_RE = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_CURRENCY_AFTER_RE = re.compile(r"^\s?(?:€|eur|euro|chf|usd|\$|£|fr\.|%|kg|km|m²|stk|pcs|x\b)", re.IGNORECASE)
_CURRENCY_BEFORE_RE = re.compile(r"(?:€|eur|chf|usd|\$|£|fr\.)\s?$", re.IGNORECASE)


def _phone_accept(value: str, before: str, after: str) -> bool:
    digits = re.sub(r"\D", "", value)
    has_separator = bool(re.search(r"[ \u00a0./()-]", value))
    if _DATE_LIKE_RE.match(value) or _IP_LIKE_RE.match(value):
        return False
    if _CURRENCY_AFTER_RE.match(after) or _CURRENCY_BEFORE_RE.search(before):
        return False
    context_says_phone = bool(_PHONE_CONTEXT_RE.search(before))
    if value.startswith("+") or value.startswith("00"):
        return 8 <= len(digits) <= 15 and (has_separator or value.startswith("+") or context_says_phone)
    if context_says_phone:
        return 6 <= len(digits) <= 15
    if _NUMBER_CONTEXT_RE.search(before):
        return False
    if not has_separator:
        # A bare digit run is an order number as often as a phone number: only with a trunk prefix.
        return digits.startswith("0") and not digits.startswith("00") and 10 <= len(digits) <= 12
    groups = re.findall(r"\d+", value)
    if digits.startswith("0"):  # national format DE/CH/AT/FR/IT: 0 + area code + subscriber
        return 9 <= len(digits) <= 13 and len(groups) <= 6
    # US: (415) 555-2671, 415-555-2671, 415.555.2671, 1-800-555-0199; IT mobile: 333 123 4567
    us = re.fullmatch(r"(?:1[ .-])?\(?[2-9]\d{2}\)?[ .-]?\d{3}[ .-]\d{4}", value)
    italian_mobile = re.fullmatch(r"3\d{2}[ .]?\d{3}[ .]?\d{3,4}", value)
    return bool(us or italian_mobile)


def _phones(text: str) -> Iterator[Span]:
    for m in _PHONE_RE.finditer(text):
        value = m.group(0).rstrip(" \u00a0./-")
        start = m.start()
        if value.startswith("(") and ")" not in value:
            value, start = value[1:], start + 1
        if len(re.sub(r"\D", "", value)) < 6:
            continue
        before = text[max(0, start - 40) : start]
        after = text[start + len(value) : start + len(value) + 8]
        if _phone_accept(value, before, after):
            key = ("+" if value.startswith("+") else "") + re.sub(r"\D", "", value)
            yield start, start + len(value), Kind.PHONE, value, key


# --- names ----------------------------------------------------------------------------------------

_NAME_TOKEN = r"[^\W\d_][^\W\d_'’-]*(?:['’-][^\W\d_]+)*"  # noqa: S105 (a regex, not a secret)
_PARTICLES = frozenset(
    [
        "von",
        "van",
        "der",
        "den",
        "de",
        "di",
        "da",
        "del",
        "della",
        "le",
        "la",
        "du",
        "dos",
        "af",
        "zu",
        "ten",
        "ter",
        "bin",
    ]
)
_TITLES_RE = (
    r"(?:Herrn?|Frau|Hr\.|Fr\.|Dr\.(?:\s?med\.)?|Prof\.|Dipl\.-Ing\.|Ing\.|Mag\.|Mr\.?|Mrs\.?|Ms\.?|Miss|Mx\.?|"
    r"Sir|Madam|Madame|Monsieur|Mme\.?|Mlle\.?|M\.|Signora|Signor|Sig\.(?:ra)?|Dott\.(?:ssa)?|Avv\.|"
    r"Gentile|Egregio|Egregia|Dear|Dr|Prof)"
)
_GREETINGS = (
    r"hi|hello|hey|hiya|dear|good\s+(?:morning|afternoon|evening)|greetings|"
    r"hallo|liebe|lieber|liebes|sehr\s+geehrte[rs]?|geehrte[rs]?|guten\s+(?:tag|morgen|abend)|servus|moin|"
    r"grüezi|grüß\s+gott|grüss\s+gott|sali|salü|hoi|tach|"
    r"bonjour|bonsoir|salut|cher|chère|chers|chères|coucou|"
    r"ciao|caro|cara|cari|care|gentile|gentilissim[oa]|egregi[oa]|buongiorno|buonasera|salve"
)
_GREETING_RE = re.compile(
    rf"^[ \t>]*(?:{_GREETINGS})[ \t]+((?:{_TITLES_RE}[ \t]+)*)((?:{_NAME_TOKEN})(?:[ \t]+(?:{_NAME_TOKEN}|[A-Z]\.)){{0,3}})"
    rf"(?:[ \t]*(?:,|!|:|;|$)|[ \t]+(?:and|und|et|e|&)[ \t])",
    re.IGNORECASE | re.MULTILINE,
)
_CLOSINGS = (
    r"best|best regards|kind regards|warm regards|regards|many thanks|thanks|thank you|cheers|sincerely|"
    r"yours sincerely|yours truly|yours|all the best|best wishes|take care|"
    r"mit freundlichen grüßen|mit freundlichen grüssen|mit freundlichem gruß|mit freundlichem gruss|"
    r"freundliche grüße|freundliche grüsse|viele grüße|viele grüsse|beste grüße|beste grüsse|"
    r"liebe grüße|liebe grüsse|herzliche grüße|herzliche grüsse|schöne grüße|schöne grüsse|"
    r"grüße|grüsse|gruß|gruss|lg|vg|mfg|danke|vielen dank|bis bald|tschüss|"
    r"cordialement|bien cordialement|bien à vous|salutations|meilleures salutations|sincères salutations|"
    r"amicalement|bonne journée|merci|à bientôt|bises|"
    r"cordiali saluti|distinti saluti|saluti|un saluto|un caro saluto|a presto|grazie|buona giornata"
)
_CLOSINGS_LONGEST_FIRST = "|".join(sorted(_CLOSINGS.split("|"), key=len, reverse=True))
_CLOSING_RE = re.compile(
    rf"^[ \t>]*(?:{_CLOSINGS_LONGEST_FIRST})[ \t]*[,.!]?[ \t]*(.*)$", re.IGNORECASE | re.MULTILINE
)
_SIGNATURE_DASHES_RE = re.compile(r"^-- ?$", re.MULTILINE)
_NAME_BEFORE_ADDRESS_RE = re.compile(
    rf"(?:\"([^\"\n<>@]{{2,80}})\"|((?:{_NAME_TOKEN})(?:,?[ \t]+(?:{_NAME_TOKEN}|[A-Z]\.)){{0,3}}))[ \t]*<[^<>\s@]+@[^<>\s]+>"
)

# Words that follow a greeting or close a mail without being anyone's name.
NON_NAME_WORDS = frozenset(
    [
        "all",
        "everyone",
        "everybody",
        "team",
        "teams",
        "folks",
        "guys",
        "there",
        "friends",
        "friend",
        "colleagues",
        "colleague",
        "customer",
        "customers",
        "client",
        "clients",
        "sir",
        "madam",
        "madame",
        "sirs",
        "members",
        "member",
        "user",
        "users",
        "subscriber",
        "subscribers",
        "valued",
        "partner",
        "partners",
        "support",
        "service",
        "sales",
        "hr",
        "admin",
        "administrator",
        "staff",
        "world",
        "you",
        "again",
        "zusammen",
        "alle",
        "allerseits",
        "leute",
        "team",
        "kunde",
        "kundin",
        "kunden",
        "kollegen",
        "kolleginnen",
        "damen",
        "herren",
        "mitglied",
        "mitglieder",
        "nutzer",
        "nutzerin",
        "abonnent",
        "abonnentin",
        "liebe",
        "lieber",
        "geehrte",
        "geehrter",
        "tous",
        "toutes",
        "à",
        "monsieur",
        "madame",
        "mesdames",
        "messieurs",
        "client",
        "cliente",
        "abonné",
        "abonnée",
        "équipe",
        "tutti",
        "tutte",
        "a",
        "cliente",
        "clienti",
        "utente",
        "utenti",
        "signore",
        "signori",
        "gentili",
        "squadra",
        "from",
        "sent",
        "gesendet",
        "envoyé",
        "inviato",
        "my",
        "mein",
        "meine",
        "von",
        "iphone",
        "android",
        "outlook",
        "mobile",
        "the",
        "your",
        "ihr",
        "ihre",
        "votre",
        "vos",
        "il",
        "lo",
        "la",
        "le",
        "the",
        "our",
        "unser",
        "unsere",
        "notre",
        "nostro",
        "nostra",
        "regards",
        "grüße",
        "grüsse",
        "gruß",
        "gruss",
        "thanks",
        "danke",
        "merci",
        "grazie",
        "re",
        "aw",
        "fw",
        "fwd",
        "wg",
        "tr",
        "rif",
    ]
)
_NON_NAME_SPREAD = frozenset(w.casefold() for w in NON_NAME_WORDS)


def _is_name_like(candidate: str) -> bool:
    tokens = [t for t in re.split(r"[ \t,]+", candidate.strip()) if t]
    if not 1 <= len(tokens) <= 4:
        return False
    saw_name = False
    for token in tokens:
        bare = token.rstrip(".")
        if token.casefold() in _NON_NAME_SPREAD or bare.casefold() in _NON_NAME_SPREAD:
            return False
        if bare.casefold() in _PARTICLES:
            continue
        if re.fullmatch(_TITLES_RE, token, re.IGNORECASE):
            continue
        if re.fullmatch(r"[A-Z]\.", token):
            continue
        if not re.fullmatch(_NAME_TOKEN, token) or not token[0].isupper():
            return False
        if token.isupper() and len(token) > 3:  # SHOUTING WORDS are headings, not names
            return False
        saw_name = True
    return saw_name


def _name_value(candidate: str) -> str:
    """``candidate`` without leading titles, stray punctuation and runs of blanks."""
    value = re.sub(r"\s+", " ", candidate).strip(" ,;:!")
    while True:
        stripped = re.sub(rf"^{_TITLES_RE}\s+", "", value, flags=re.IGNORECASE)
        if stripped == value:
            return value
        value = stripped


def names_discover(text: str) -> list[str]:
    """Personal names ``text`` reveals through greetings, closings, signatures and "Name <address>"."""
    found: list[str] = []

    def add(candidate: str) -> None:
        value = _name_value(candidate)
        if value and _is_name_like(value) and value not in found:
            found.append(value)

    for m in _GREETING_RE.finditer(text):
        names = m.group(2)
        if not names:
            continue
        # "Hi Anna and Tom," → both; the regex stops at the first conjunction, so pick up the rest.
        rest = text[m.end(2) : text.find("\n", m.end(2)) if "\n" in text[m.end(2) :] else len(text)]
        for part in re.split(r"\s+(?:and|und|et|e|&)\s+", names):
            add(part)
        for extra in re.findall(rf"(?:and|und|et|e|&|,)\s+((?:{_NAME_TOKEN})(?:\s+{_NAME_TOKEN})?)", rest):
            add(extra)
    lines = text.splitlines()
    for m in _CLOSING_RE.finditer(text):
        trailing = m.group(1).strip()
        if trailing:  # "Best regards, Anna" / "LG Tom"
            add(trailing)
            continue
        line_index = text.count("\n", 0, m.start())
        _signature_names(lines, line_index + 1, add)
    for m in _SIGNATURE_DASHES_RE.finditer(text):
        _signature_names(lines, text.count("\n", 0, m.start()) + 1, add)
    for m in _NAME_BEFORE_ADDRESS_RE.finditer(text):
        quoted, plain = m.group(1), m.group(2)
        if quoted is not None:
            add(quoted.replace(",", " "))  # "Schmidt, Anna" is one person
        elif plain:
            # "schrieb Julia Keller <…>": the name is the longest run of name-like words before the address.
            tokens = plain.replace(",", " ").split()
            for index in range(len(tokens)):
                if _is_name_like(" ".join(tokens[index:])):
                    add(" ".join(tokens[index:]))
                    break
    return found


def _signature_names(lines: list[str], begin: int, add: Any) -> None:
    """The first non-empty line or two after a closing are usually the writer's name."""
    seen = 0
    for line in lines[begin : begin + 4]:
        stripped = line.strip(" \t>")
        if not stripped:
            if seen:
                break
            continue
        seen += 1
        if _is_name_like(_name_value(stripped)):
            add(stripped)
            return
        if seen >= 2:
            return


def _names_variants(display_name: str) -> list[str]:
    """A display name and the parts of it that identify someone on their own ("Anna", "Schmidt")."""
    cleaned = re.sub(r"\s+", " ", display_name.replace('"', "")).strip(" ,'")
    if not cleaned or "@" in cleaned:
        return []
    if "," in cleaned:  # "Schmidt, Anna"
        last, _, first = cleaned.partition(",")
        cleaned_variants = [cleaned, f"{first.strip()} {last.strip()}"]
    else:
        cleaned_variants = [cleaned]
    parts = [
        p
        for p in re.split(r"[ ,]+", cleaned)
        if len(p.rstrip(".")) >= 2
        and p.casefold() not in _PARTICLES
        and p.casefold() not in _NON_NAME_SPREAD
        and not re.fullmatch(_TITLES_RE, p, re.IGNORECASE)
    ]
    return cleaned_variants + (parts if len(parts) > 1 else [])


# ---------------------------------------------------------------------------------------------------

DETECTORS = (_emails, _urls, _ibans, _cards, _phones)


class Anonymizer:
    """Anonymizes all texts of one request with one shared, stable mapping.

    Call ``names_learn`` on every text of the request first (``message_anonymize`` does), so names
    discovered in the body are also replaced in the subject and thread, then ``anonymize`` each text.
    """

    def __init__(self, *, names: Iterable[str] = ()) -> None:
        self.mapping = AnonymizationMap()
        self._names: list[str] = []
        for name in names:
            for variant in _names_variants(name):
                self._name_add(variant)

    def _name_add(self, name: str) -> None:
        if name and name not in self._names:
            self._names.append(name)

    def names_learn(self, texts: Iterable[str]) -> None:
        for text in texts:
            for name in names_discover(text):
                self._name_add(name)
                for variant in _names_variants(name):
                    self._name_add(variant)

    def _name_spans(self, text: str) -> Iterator[Span]:
        # Longest first, so "Anna Schmidt" wins over "Anna" where both match.
        for name in sorted(self._names, key=len, reverse=True):
            flags = re.IGNORECASE if " " in name else 0
            body = r"\s+".join(re.escape(part) for part in name.split())
            pattern = re.compile(rf"(?<![\w@.]){body}(?![\w@])", flags)
            for m in pattern.finditer(text):
                yield m.start(), m.end(), Kind.NAME, name, re.sub(r"\s+", " ", name.casefold())

    def anonymize(self, text: str) -> str:
        if not text:
            return text
        text = PLACEHOLDER_RE.sub(lambda m: f"({m.group(1)}_{m.group(2)})", text)
        taken: list[Span] = []
        for detector in (*DETECTORS, self._name_spans):
            for span in detector(text):
                if not any(span[0] < end and start < span[1] for start, end, *_ in taken):
                    taken.append(span)
        taken.sort(key=lambda s: s[0])
        out: list[str] = []
        position = 0
        for start, end, kind, value, key in taken:
            out.append(text[position:start])
            out.append(self.mapping.placeholder_for(kind, value, key))
            position = end
        out.append(text[position:])
        return "".join(out)


@dataclass(frozen=True)
class Party:
    """A sender or recipient: display name (may be empty) and address."""

    name: str
    address: str


@dataclass(frozen=True)
class AnonymizedMessage:
    subject: str
    body: str
    thread: tuple[str, ...]
    sender: str
    recipients: tuple[str, ...]
    headers_summary: str
    mapping: AnonymizationMap


def _party_text(party: Party) -> str:
    return f"{party.name} <{party.address}>" if party.name else party.address


def message_anonymize(
    *,
    subject: str,
    body: str,
    thread: Sequence[str] = (),
    sender: Party | None = None,
    recipients: Sequence[Party] = (),
    headers_summary: str = "",
    extra_names: Iterable[str] = (),
) -> AnonymizedMessage:
    """Anonymize everything about one message that may go to a cloud provider, with one mapping."""
    parties = ([sender] if sender else []) + list(recipients)
    anonymizer = Anonymizer(names=[p.name for p in parties if p.name] + list(extra_names))
    texts = [subject, body, *thread, headers_summary]
    anonymizer.names_learn(texts)
    sender_text = anonymizer.anonymize(_party_text(sender)) if sender else ""
    return AnonymizedMessage(
        subject=anonymizer.anonymize(subject),
        body=anonymizer.anonymize(body),
        thread=tuple(anonymizer.anonymize(t) for t in thread),
        sender=sender_text,
        recipients=tuple(anonymizer.anonymize(_party_text(p)) for p in recipients),
        headers_summary=anonymizer.anonymize(headers_summary),
        mapping=anonymizer.mapping,
    )
