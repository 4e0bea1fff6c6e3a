"""Language data for reply splitting: how mail programs introduce quoted history and signatures.

Patterns describe mail in general (what clients write), not individual test fixtures.
"""

from __future__ import annotations

import re

# "On <date>, <name> wrote:" and its translations: the word that opens the header line...
QUOTE_HEADER_OPENERS = (
    r"On|Le|Am|Il|El|Em|Op|Den|Dne|På|W dniu|Dnia|Vào|Ngày|В|У|Στις|Dňa|"
    r"Le\s+\w+\.?|Em\s+\w+,?|El\s+\w+,?|Op\s+\w+"
)
# ...and the verb that closes it.
QUOTE_HEADER_VERBS = (
    r"wrote|writes|schrieb|schreibt|geschrieben|a écrit|a ecrit|écrit|ha scritto|scrisse|escribió|escribio|"
    r"escreveu|schreef|geschreven|napisał\(a\)|napisała|napisał|napisal|skrev|skriver|kirjoitti|"
    r"написал\(а\)|написала|написал|написав|napsal\(a\)|napsal|írta|yazdı|đã viết|viết|"
    r"写道|寫道|が書きました|님이 작성"
)

_ON_WROTE = re.compile(
    rf"^(?:{QUOTE_HEADER_OPENERS})\b.{{0,300}}?(?:{QUOTE_HEADER_VERBS})\s*(?:\(?[^\s()]{{0,40}}\)?)?\s*[:：]?\s*$",
    re.IGNORECASE,
)
# "<name> <addr> wrote:", "Max Muster schrieb am 1.2.2020 um 10:00:" — needs the colon and an address or digit.
_WHO_WROTE = re.compile(
    rf"^(?=.*(?:@|\d)).{{1,300}}?\b(?:{QUOTE_HEADER_VERBS})\b.{{0,80}}[:：]\s*$",
    re.IGNORECASE,
)
# Gmail's date-first variant without a verb: "2014-01-02 10:00 GMT+01:00 Name <a@b.c>:"
_DATE_ADDRESS_COLON = re.compile(
    r"^\d{2,4}[-/.年]\s?\d{1,2}[-/.月]\s?\d{1,4}.{0,200}<[^<>\s]+@[^<>\s]+>\s*[:：]\s*$"
)

_MESSAGE_WORDS = (
    r"message|nachricht|messaggio|mensaje|mensagem|bericht|meddelande|meddelelse|melding|wiadomość|viesti|"
    r"сообщение|повідомлення|zpráva|üzenet|mail|e-mail|email"
)
# "-----Original Message-----", "---------- Forwarded message ---------", "Begin forwarded message:".
_SEPARATOR_WORDS = (
    r"original message|original e-?mail|ursprüngliche nachricht|originalnachricht|weitergeleitete nachricht|"
    r"message d'origine|message original|message transféré|messaggio originale|messaggio inoltrato|"
    r"mensaje original|mensaje reenviado|mensagem original|mensagem encaminhada|oorspronkelijk bericht|"
    r"doorgestuurd bericht|originalmeddelande|vidarebefordrat meddelande|oprindelig meddelelse|"
    r"videresendt meddelelse|opprinnelig melding|videresendt melding|wiadomość oryginalna|"
    r"oryginalna wiadomość|przekazana wiadomość|alkuperäinen viesti|исходное сообщение|"
    r"пересылаемое сообщение|forwarded message|reply message|original"
)
_SEPARATOR = re.compile(
    rf"^\s*[-_=*]{{2,}}\s*(?:{_SEPARATOR_WORDS}|[\w' ]{{0,30}}\b(?:{_MESSAGE_WORDS})\b[\w' ]{{0,30}})\s*[-_=*]{{2,}}\s*$",
    re.IGNORECASE,
)
_FORWARD_INTRO = re.compile(
    r"^\s*(?:begin forwarded message|anfang der weitergeleiteten nachricht|début du message réexpédié|"
    r"inizio messaggio inoltrato|comienzo del mensaje reenviado|início da mensagem reencaminhada)\s*:\s*$",
    re.IGNORECASE,
)

_HEADER_FROM = (
    r"from|von|de|da|van|från|fra|od|lähettäjä|от|від|feladó|expéditeur|remitente|afzender|avsändare|"
    r"送信者|差出人|发件人|發件人|寄件者|보낸 사람"
)
_HEADER_OTHER = (
    r"sent|date|datum|gesendet|envoyé|envoyé le|inviato|data|enviado|enviada|fecha|verzonden|skickat|sendt|"
    r"wysłano|wysłane|lähetetty|отправлено|дата|надіслано|to|an|à|a|para|aan|till|til|do|"
    r"vastaanottaja|кому|címzett|subject|betreff|objet|oggetto|asunto|assunto|onderwerp|ämne|emne|temat|"
    r"aihe|тема|tárgy|cc|kopie|copie|cci|bcc|reply-to|antwort an|répondre à|日付|件名|宛先|送信日時|"
    r"主题|主題|收件人|发送时间|發送時間|日期|받는 사람|제목|날짜|sent by|importance|wichtigkeit|priorité"
)
HEADER_FROM_LINE = re.compile(rf"^\s*[*>]*\s*(?:{_HEADER_FROM})\s*[*]?\s*[:：]\s*\S", re.IGNORECASE)
HEADER_OTHER_LINE = re.compile(rf"^\s*[*>]*\s*(?:{_HEADER_OTHER})\s*[*]?\s*[:：]", re.IGNORECASE)
SEPARATOR_RULE = re.compile(r"^\s*(?:_{5,}|-{5,}|={5,}|\*{5,})\s*$")


_DECORATION = re.compile(r"^[\s\-_=*]+|[\s\-_=*]+$")
_SPACE_IN_BRACKETS = re.compile(r"<\s+|\s+>")
# A header glued to the end of a line of new text: "reply--- On Wed, … wrote:".
EMBEDDED_HEADER = re.compile(
    rf"^(?P<text>.*?\S)[\s\-_=*]*?\s*(?P<header>(?<![\w])(?:On|Am|Le|Il|El|Op|Em)\s.{{5,300}}"
    rf"(?:{QUOTE_HEADER_VERBS})\s*[:：]?\s*)$",
    re.IGNORECASE,
)
# "2011/4/7 Name <a@b.c>" or "Name <a@b.c> 2011/4/7": only a header when ">" lines follow.
DATE_AND_ADDRESS = re.compile(
    r"^(?=.*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4})(?=.*<?[^\s<>@]+@[^\s<>@]+\.\w+>?).{8,200}$"
)
OPENER = re.compile(rf"^(?:{QUOTE_HEADER_OPENERS})\b", re.IGNORECASE)


_BARE_WROTE = re.compile(rf"^.{{1,120}}\b(?:{QUOTE_HEADER_VERBS})\s*[:：]?$", re.IGNORECASE)


def is_short_quote_header(line: str) -> bool:
    """ "John Smith wrote:" without date or address: a header only when ``>`` lines follow it."""
    return bool(_BARE_WROTE.match(_DECORATION.sub("", line)))


def is_quote_header(line: str) -> bool:
    """Whether ``line`` (possibly several physical lines joined) introduces quoted history."""
    line = _SPACE_IN_BRACKETS.sub(lambda m: m.group(0).strip(), _DECORATION.sub("", line))
    if not line or len(line) > 400:
        return False
    return bool(_ON_WROTE.match(line) or _WHO_WROTE.match(line) or _DATE_ADDRESS_COLON.match(line))


def is_separator(line: str) -> bool:
    """An "Original Message" / "Forwarded message" separator line."""
    return bool(_SEPARATOR.match(line) or _FORWARD_INTRO.match(line))


QUOTED_LINE = re.compile(r"^\s{0,3}>")

# ---- signatures -------------------------------------------------------------------------------

SIGNATURE_DELIMITER = re.compile(r"^(?:--\s*|__\s*|-\s?[A-Za-zÀ-ÿ][\w.' -]{0,40})$")
SIGNATURE_RULE = re.compile(r"^(?:-{2,}|_{2,}|-- ?)\s*$")

_DEVICE = (
    r"iphone|ipad|ipod|android|mobile|mobil|mobilgerät|handy|phone|cell|blackberry|samsung|galaxy|htc|"
    r"windows|pc|device|tablet|huawei|nokia|pixel|xiaomi|oneplus|sony|motorola|lg|verizon|smartphone|"
    r"telefon|téléphone|portable|cellulare|smartphone|móvil|celular|telefoon|mac|outlook|mail|gmail|"
    r"yahoo|airmail|mailbox|k-9|aquamail|spark|blue|bb10|fairphone|palm|ti-\d+|alcatel|nexus|lumia"
)
MOBILE_TAGLINE = re.compile(
    rf"^[(<\[]*\s*(?:"
    rf"(?:sent|send|envoyé|envoye|enviado|inviato|gesendet|verzonden|verstuurd|skickat|sendt|lähetetty|"
    rf"wysłane|odesláno|отправлено)\s+(?:from|with|via|by|using|de|depuis|desde|da|con|von|mit|met|vanaf|"
    rf"från|fra|från min|z|с|from the)\b[^,.;!]{{0,60}}?\b(?:{_DEVICE})\b.{{0,80}}"
    rf"|(?:sent|envoyé|enviado|inviato|gesendet|verzonden)\s+(?:from|with|via|de|depuis|desde|da|von|mit|met)"
    rf"(?:\s+(?:my|mon|ma|mi|meinem|mijn|il mio|mio))?\s+\S+(?:\s+\S+)?\s*[.!]?"
    rf"|von meine[mr]\s.{{1,60}}\s(?:gesendet|geschickt)\b.{{0,80}}"
    rf"|envoyé de mon .{{1,60}}|inviato da(?:l mio)? .{{1,60}}|enviado desde mi .{{1,60}}"
    rf"|verzonden (?:vanaf|met) .{{1,60}}|skickat från .{{1,60}}|sendt fra .{{1,60}}"
    rf"|get outlook for \S+.{{0,80}}|get \[outlook for .{{0,80}}|outlook for (?:ios|android)\S*"
    rf"|diese nachricht wurde von meinem .{{1,80}}gesendet\.?"
    rf"|(?:sent|envoyé|gesendet) (?:from|depuis|von) (?:a|an|my|mon|meinem) (?:phone|mobile|handy)\b.{{0,60}}"
    rf"|from my (?:{_DEVICE})\b.{{0,30}}|sent (?:by|from) \S+(?: \S+)?|(?:someone|sent) (?:from|via) mobile"
    rf"|從我的 .{{1,40}}傳送|从我的.{{1,40}}发送|\S{{1,30}}から送信|sent by galaxy"
    rf")\s*[)>\]]*\s*$",
    re.IGNORECASE,
)

_CLOSINGS = (
    r"(?:best|kind|warm|warmest|many|with kind|with best|kindest)?\s*(?:regards|wishes)|regards|rgds|br|"
    r"best|cheers|thanks|thank you|thanks again|thanks in advance|many thanks|thx|ty|sincerely|"
    r"yours(?: (?:sincerely|truly|faithfully))?|all the best|take care|talk soon|cordially|respectfully|"
    r"(?:mit )?(?:freundlichen|besten|vielen|lieben|herzlichen|schönen|beste|viele|liebe|herzliche|freundliche)"
    r"(?: grüßen| grüssen| gruessen| grüße| grüsse| gruesse| gruß| gruss| dank)?|grüße|grüsse|gruß|gruss|mfg|"
    r"lg|vg|vielen dank|danke(?: schön| sehr)?|beste grüße|herzlich|ciao|tschüss|bis bald|"
    r"cordialement|bien cordialement|bien à vous|bien a vous|salutations(?: distinguées)?|amicalement|"
    r"bonne (?:journée|soirée)|merci(?: beaucoup| d'avance)?|bises|a bientôt|à bientôt|"
    r"cordiali saluti|distinti saluti|saluti|un saluto|grazie(?: mille)?|a presto|buona giornata|"
    r"saludos(?: cordiales)?|atentamente|un saludo|gracias|abraços|atenciosamente|obrigad[oa]|"
    r"met vriendelijke groet(?:en)?|vriendelijke groet(?:en)?|groet(?:en|jes)?|mvg|bedankt|"
    r"med vänliga hälsningar|vänliga hälsningar|hälsningar|mvh|med venlig hilsen|venlig hilsen|"
    r"med vennlig hilsen|vennlig hilsen|hilsen|kh|tak|tack|"
    r"pozdrawiam(?: serdecznie)?|z poważaniem|z powazaniem|pozdrowienia|dziękuję|"
    r"ystävällisin terveisin|terveisin|с уважением|спасибо|с наилучшими пожеланиями"
)
CLOSING_LINE = re.compile(
    rf"^\s*(?:{_CLOSINGS})\s*[,.!:;]*\s*(?:[-–—]?\s*\S+(?:\s\S+){{0,2}})?$", re.IGNORECASE
)
CLOSING_ONLY = re.compile(rf"^\s*(?:{_CLOSINGS})\s*[,.!:;]*\s*$", re.IGNORECASE)
