import pytest

from emails.analysis.local import local_analyze
from emails.analysis.spam import GTUBE
from emails.analysis.tests.mails import ics, mail
from emails.analysis.text import message_text
from emails.analysis.types import Category


def analyze(parsed, **kwargs):
    return local_analyze(parsed=parsed, text=message_text(parsed=parsed), user_language="de", **kwargs)


CALM = {
    "en": (
        "Photos from the weekend",
        "Hi Tom,\n\nhere are the photos from our hike. It was a lovely day.\n\nBest,\nAnna",
    ),
    "de": (
        "Fotos vom Wochenende",
        "Hallo Tom,\n\nhier sind die Fotos von unserer Wanderung. Es war ein schöner Tag.\n\nViele Grüße\nAnna",
    ),
    "fr": (
        "Photos du week-end",
        "Salut Tom,\n\nvoici les photos de notre randonnée. C'était une belle journée.\n\nAmicalement\nAnna",
    ),
    "it": (
        "Foto del weekend",
        "Ciao Tom,\n\necco le foto della nostra escursione. È stata una bella giornata.\n\nUn saluto\nAnna",
    ),
}
URGENT = {
    "en": (
        "URGENT: server contract",
        "Hi Tom,\n\nthe hosting contract expires. Please sign it immediately, it is important.\n\nThanks,\nAnna",
    ),
    "de": (
        "DRINGEND: Serververtrag",
        "Hallo Tom,\n\nder Hosting-Vertrag läuft aus. Bitte unterschreibe ihn sofort, es ist wichtig.\n\nViele Grüße\nAnna",
    ),
    "fr": (
        "URGENT : contrat serveur",
        "Salut Tom,\n\nle contrat d'hébergement expire. Merci de le signer immédiatement, c'est important.\n\nCordialement\nAnna",
    ),
    "it": (
        "URGENTE: contratto server",
        "Ciao Tom,\n\nil contratto di hosting scade. Per favore firmalo subito, è importante.\n\nCordiali saluti\nAnna",
    ),
}


@pytest.mark.parametrize("language", ["en", "de", "fr", "it"])
def test_urgency_and_importance_cues_in_four_languages(language):
    """GIVEN an urgent, important request and a calm personal note in one language
    WHEN analyzed THEN the request scores high on both axes and the note stays low, in that language."""
    urgent = analyze(mail(subject=URGENT[language][0], body=URGENT[language][1]))
    calm = analyze(mail(subject=CALM[language][0], body=CALM[language][1]))
    assert urgent.urgency == 3
    assert urgent.importance == 3
    assert urgent.colour == "red"
    assert urgent.action_items, "the request is an action item"
    assert calm.urgency == 1
    assert calm.importance <= 2
    assert calm.colour == "green"
    assert urgent.language == calm.language == language


def test_high_priority_header_raises_urgency_with_header_source():
    """GIVEN the same calm mail with and without X-Priority: 1 WHEN analyzed THEN only the flagged one is urgent."""
    subject, body = CALM["en"]
    plain = analyze(mail(subject=subject, body=body))
    flagged = analyze(
        mail(subject=subject, body=body, headers={"X-Priority": "1 (Highest)", "Importance": "high"})
    )
    assert flagged.urgency > plain.urgency
    assert flagged.sources["urgency"] == "headers"


def test_vip_sender_is_important():
    """GIVEN a calm note WHEN its sender is a VIP THEN importance is 3, otherwise not."""
    subject, body = CALM["en"]
    parsed = mail(subject=subject, body=body, sender="Boss <boss@corp.example>")
    assert analyze(parsed, vip_senders=["@corp.example"]).importance == 3
    assert analyze(parsed, vip_senders=["other@corp.example"]).importance < 3


def test_deadline_drives_urgency_and_category():
    """GIVEN a request with a deadline two days after the mail WHEN analyzed THEN deadline, urgency 3, action."""
    result = analyze(
        mail(
            subject="Quarterly numbers",
            body="Hi Tom,\n\ncould you send me the quarterly numbers by Wednesday?\n\nThanks\nAnna",
        )
    )
    assert result.deadline is not None
    assert result.deadline.when.isoformat() == "2024-12-04"
    assert result.urgency == 3
    assert result.category == Category.ACTION_REQUIRED
    assert result.action_items == ("could you send me the quarterly numbers by Wednesday?",)


NEWSLETTER_BODY = (
    "Our December newsletter\n\nThis month we present three new hiking routes in the Alps and our winter sale.\n\n"
    "You are receiving this email because you subscribed on our website.\nUnsubscribe: https://news.example.com/u/123\n"
)
NEWSLETTER_HTML = "<p>Our December newsletter</p>" + "<img src='https://news.example.com/p.png'>" * 4


def test_newsletter_detected_from_list_headers():
    """GIVEN bulk mail with List-Unsubscribe and Precedence: bulk WHEN analyzed THEN newsletter by headers."""
    result = analyze(
        mail(
            subject="December news",
            body=NEWSLETTER_BODY,
            sender="Alpine Shop <news@alpine.example>",
            headers={"List-Unsubscribe": "<https://news.example.com/u/123>", "Precedence": "bulk"},
        )
    )
    assert result.is_newsletter
    assert result.newsletter_kind == "bulk"
    assert result.category == Category.NEWSLETTER
    assert result.sources["newsletter"] == "headers"
    assert result.urgency == 1


def test_newsletter_detected_from_content_without_headers():
    """GIVEN the same newsletter with no list headers WHEN analyzed THEN content cues still find it,
    while a personal mail from the same sender does not count as a newsletter."""
    result = analyze(
        mail(
            subject="December news",
            body=NEWSLETTER_BODY,
            html=NEWSLETTER_HTML,
            sender="Alpine Shop <news@alpine.example>",
        )
    )
    assert result.is_newsletter
    assert result.sources["newsletter"] == "heuristics"
    personal = analyze(
        mail(subject=CALM["en"][0], body=CALM["en"][1], sender="Alpine Shop <news@alpine.example>")
    )
    assert not personal.is_newsletter


def test_discussion_list_is_flagged_but_not_categorised_as_newsletter():
    """GIVEN a mailing-list discussion (List-Post) WHEN analyzed THEN newsletter flag, kind discussion_list."""
    result = analyze(
        mail(
            subject="[dev] build broken on main",
            body="The build on main fails since yesterday's merge. Does anyone know why?",
            headers={"List-Id": "<dev.lists.example.org>", "List-Post": "<mailto:dev@lists.example.org>"},
        )
    )
    assert result.is_newsletter
    assert result.newsletter_kind == "discussion_list"
    assert result.category != Category.NEWSLETTER


@pytest.mark.parametrize(("method", "status"), [("REQUEST", "CONFIRMED"), ("CANCEL", "CANCELLED")])
def test_calendar_invite_parsed(method, status):
    """GIVEN a text/calendar REQUEST or CANCEL WHEN analyzed THEN METHOD, start, end, title and organizer."""
    result = analyze(
        mail(
            subject="Invitation: Project sync",
            body="Project sync on Thursday.",
            calendar=ics(method=method, status=status),
            calendar_method=method,
        )
    )
    assert result.calendar is not None
    assert result.calendar.method == method
    assert result.calendar.title == "Project sync"
    assert result.calendar.start == "2024-12-05T14:00:00+00:00"
    assert result.calendar.end == "2024-12-05T15:00:00+00:00"
    assert result.calendar.organizer == "Anna Schmidt <anna@example.org>"
    assert result.calendar.status == status
    assert result.category == Category.MEETING
    assert result.sources["calendar"] == result.sources["category"] == "calendar"


def test_no_calendar_part_means_no_invite():
    """GIVEN a mail that only talks about a meeting WHEN analyzed THEN there is no calendar invite."""
    assert analyze(mail(subject="Meeting", body="Let's meet on Thursday at 14:00.")).calendar is None


def test_summary_skips_greeting_signature_and_quote():
    """GIVEN a reply with greeting, signature and quoted history WHEN summarised THEN only new content."""
    body = (
        "Hi Tom,\n\n"
        "The supplier confirmed the delivery for next Tuesday. Please book the loading dock for the morning.\n\n"
        "Best regards,\nAnna Schmidt\nHead of Logistics\nPhone +49 30 1234567\n\n"
        "On Mon, Dec 2, 2024 at 8:00 AM Tom <tom@example.com> wrote:\n"
        "> When will the pallets arrive? The secret quoted sentence must not appear.\n"
    )
    result = analyze(mail(subject="Delivery date", body=body))
    assert "supplier confirmed the delivery" in result.summary
    assert "Hi Tom" not in result.summary
    assert "Head of Logistics" not in result.summary
    assert "secret quoted" not in result.summary
    assert len(result.summary) <= 320
    assert "Please book the loading dock for the morning." in result.action_items
    assert not any("pallets" in item for item in result.action_items)


def test_gtube_is_spam():
    """GIVEN a mail carrying the GTUBE string WHEN analyzed THEN spam with score 1; a normal mail is not."""
    spam = analyze(mail(subject="Test", body=f"This is the GTUBE test.\n\n{GTUBE}\n"))
    assert spam.is_spam
    assert spam.spam_score == 1.0
    assert spam.category == Category.SPAM
    assert spam.urgency == spam.importance == 1
    assert not analyze(mail(subject=CALM["en"][0], body=CALM["en"][1])).is_spam


def test_phishing_like_mail_is_spam():
    """GIVEN a fake bank warning (failed DMARC, brand name on a foreign domain, link text pointing elsewhere)
    WHEN analyzed THEN it is spam."""
    html = (
        "<p>Dear customer, your account has been suspended due to unusual activity.</p>"
        "<p>Please verify your account within 24 hours: "
        "<a href='http://198.51.100.7/login'>https://www.paypal.com/signin</a></p>"
    )
    result = analyze(
        mail(
            subject="Your account has been suspended",
            body="Dear customer, your account has been suspended. Please verify your account within 24 hours.",
            html=html,
            sender="PayPal Security <service@secure-paypa1-login.example>",
            headers={
                "Authentication-Results": "mx.example.com; spf=fail smtp.mailfrom=x; dmarc=fail header.from=x"
            },
        )
    )
    assert result.is_spam
    assert result.spam_score >= 0.8
    assert any("phishing" in r for r in result.reasons)


def test_noreply_notification():
    """GIVEN an automated shipping notice from a noreply sender WHEN analyzed THEN notification, low urgency."""
    result = analyze(
        mail(
            subject="Your order has shipped",
            body="Your order 12345 has shipped and will arrive on Thursday.",
            sender="Shop <no-reply@shop.example>",
            headers={"Auto-Submitted": "auto-generated"},
        )
    )
    assert result.category == Category.NOTIFICATION
    assert result.urgency == 1


def test_invoice_category():
    """GIVEN an invoice mail WHEN analyzed THEN category invoice_payment with a deadline."""
    result = analyze(
        mail(
            subject="Rechnung 2024-117",
            body="Sehr geehrter Herr Meier,\n\nanbei die Rechnung. Bitte überweisen Sie den Betrag bis 16.12.2024.\n\nMit freundlichen Grüßen\nBüro Schmidt",
        )
    )
    assert result.category == Category.INVOICE_PAYMENT
    assert result.deadline is not None
    assert result.deadline.when.isoformat() == "2024-12-16"
