"""Anonymizer: checksums, stable placeholders, formats in five countries, no false positives."""

from __future__ import annotations

import re

import pytest

from emails.ai.anonymize import (
    AnonymizationMap,
    Anonymizer,
    Kind,
    Party,
    deanonymize,
    iban_is_valid,
    luhn_is_valid,
    message_anonymize,
)


def anonymize(text: str, names: tuple[str, ...] = ()) -> tuple[str, AnonymizationMap]:
    anonymizer = Anonymizer(names=names)
    anonymizer.names_learn([text])
    return anonymizer.anonymize(text), anonymizer.mapping


def test_iban_checksum() -> None:
    """GIVEN real IBANs and the same with one digit changed WHEN checked THEN only the real ones pass."""
    for iban in (
        "DE89 3704 0044 0532 0130 00",
        "CH93 0076 2011 6238 5295 7",
        "GB82WEST12345698765432",
        "FR1420041010050500013M02606",
    ):
        assert iban_is_valid(iban), iban
    assert not iban_is_valid("DE89 3704 0044 0532 0130 01")
    assert not iban_is_valid("DE89 3704 0044 0532 0130")  # too short for DE


def test_iban_with_a_bad_checksum_is_left_alone() -> None:
    text, _ = anonymize("IBAN DE89 3704 0044 0532 0130 01 please")
    assert "DE89 3704 0044 0532 0130 01" in text
    text, _mapping = anonymize("IBAN DE89 3704 0044 0532 0130 00 BIC COBADEFFXXX")
    assert text == "IBAN [IBAN_1] BIC COBADEFFXXX"


def test_luhn() -> None:
    assert luhn_is_valid("4111111111111111")
    assert luhn_is_valid("378282246310005")
    assert not luhn_is_valid("4111111111111112")


def test_card_numbers_need_luhn_and_an_issuer_prefix() -> None:
    text, mapping = anonymize("Visa 4111 1111 1111 1111, Amex 3782-822463-10005, wrong 4111 1111 1111 1112")
    assert mapping.originals == {"[CARD_1]": "4111 1111 1111 1111"} or "[CARD_2]" in mapping.originals
    assert "4111 1111 1111 1112" in text


@pytest.mark.parametrize(
    "phone",
    [
        "+49 30 12345678", "+49 (0)30 1234567", "0049 89 1234567", "030 1234567", "030/1234567", "0171 1234567",
        "+41 44 668 18 00", "044 668 18 00", "079 123 45 67", "+43 1 234 5678", "0664 1234567",
        "+33 1 23 45 67 89", "06 12 34 56 78", "01.23.45.67.89", "+39 06 1234 5678", "333 123 4567",
        "02 1234 5678", "(415) 555-2671", "415-555-2671", "415.555.2671", "+1 415 555 2671", "1-800-555-0199",
    ],
)  # fmt: skip
def test_phone_formats(phone: str) -> None:
    text, mapping = anonymize(f"Bitte rufen Sie mich an unter {phone}, danke.")
    assert text == "Bitte rufen Sie mich an unter [PHONE_1], danke.", text
    assert mapping.originals["[PHONE_1]"] == phone


@pytest.mark.parametrize(
    "harmless",
    [
        "am 15.03.2024 um 14:30", "on 2024-03-15T10:00", "on 03/15/2024", "für 1.234,56 €", "for $1,299.00",
        "CHF 12'500.00", "Bestellnummer 302-1234567-1234567", "Order #123456789", "Rechnung Nr. 2024001234",
        "Kundennummer: 0012345678", "order 4155552671", "Version 10.0.19045", "IP 192.168.1.10",
        "PLZ 10115 Berlin", "8001 Zürich", "Tracking 1Z999AA10123456784", "ISBN 978-3-16-148410-0",
        "Artikel 12345, 3 x 19.99", "Zeitraum 01.01.2024 - 31.12.2024",
    ],
)  # fmt: skip
def test_no_false_positives_on_dates_prices_and_order_numbers(harmless: str) -> None:
    text, mapping = anonymize(f"Info: {harmless}.")
    assert text == f"Info: {harmless}.", mapping.originals
    assert len(mapping) == 0


def test_emails_and_urls() -> None:
    text, mapping = anonymize(
        "Write to Anna.Schmidt+news@example.co.uk or <mailto:bob@example.com>; see https://shop.example.com/o?id=5). "
        "Also www.example.org, and example.net/path."
    )
    assert text == ("Write to [EMAIL_1] or <mailto:[EMAIL_2]>; see [URL_1]). Also [URL_2], and [URL_3]."), (
        text
    )
    assert mapping.originals["[URL_1]"] == "https://shop.example.com/o?id=5"


@pytest.mark.parametrize(
    ("greeting", "name"),
    [
        ("Hi Anna,", "Anna"), ("Hallo Herr Müller,", "Müller"), ("Bonjour Marie,", "Marie"), ("Ciao Luca,", "Luca"),
        ("Dear Dr. Smith", "Smith"), ("Sehr geehrte Frau Dr. Keller-Huber,", "Keller-Huber"),
        ("Liebe Jana und Tom,", "Jana"), ("Grüezi Herr van der Berg", "van der Berg"), ("Gentile Sig.ra Rossi,", "Rossi"),
    ],
)  # fmt: skip
def test_names_in_greetings(greeting: str, name: str) -> None:
    text, mapping = anonymize(f"{greeting}\n\nthe report is ready.")
    assert name not in text, text
    assert name in mapping.originals.values()


@pytest.mark.parametrize(
    "greeting",
    [
        "Hi all,",
        "Hallo zusammen,",
        "Sehr geehrte Damen und Herren,",
        "Dear Customer,",
        "Bonjour à tous,",
        "Ciao a tutti,",
    ],
)
def test_group_greetings_are_not_names(greeting: str) -> None:
    _text, mapping = anonymize(f"{greeting}\nthe report is ready.")
    assert len(mapping) == 0, mapping.originals


@pytest.mark.parametrize(
    "closing",
    [
        "Best regards,",
        "Mit freundlichen Grüßen",
        "Cordialement,",
        "Cordiali saluti",
        "Viele Grüße",
        "Kind regards",
    ],
)
def test_names_in_signatures(closing: str) -> None:
    text, _mapping = anonymize(
        f"Thanks for the update.\n\n{closing}\nJean-Luc Picard\nHead of Operations\nExample AG"
    )
    assert "Jean-Luc Picard" not in text
    assert "Head of Operations" in text  # the job title is not a name


def test_closing_with_the_name_on_the_same_line_and_team_signatures() -> None:
    text, _ = anonymize("See you.\nBest regards, Tom")
    assert text == "See you.\nBest regards, [NAME_1]"
    text, mapping = anonymize("Your order shipped.\n\nBest regards,\nThe Example Team")
    assert len(mapping) == 0, mapping.originals


def test_display_names_are_replaced_everywhere_with_stable_placeholders() -> None:
    """GIVEN the sender's display name WHEN it appears whole, in parts and in other texts THEN one placeholder each."""
    anonymized = message_anonymize(
        subject="Meeting with Anna Schmidt",
        body="Hi Peter,\nMs Schmidt will call you. Anna Schmidt\n\nBest regards,\nAnna",
        thread=("Peter wrote: ok, talk to Anna Schmidt <anna@example.org>",),
        sender=Party("Anna Schmidt", "anna@example.org"),
        recipients=[Party("Peter Meier", "peter@example.com")],
    )
    assert anonymized.subject == "Meeting with [NAME_1]"
    assert "Schmidt" not in anonymized.body
    assert "Peter" not in anonymized.body
    assert "Anna" not in anonymized.body
    assert anonymized.body.count("[NAME_1]") == 1
    assert anonymized.sender == "[NAME_1] <[EMAIL_1]>"
    assert anonymized.thread[0].endswith("[NAME_1] <[EMAIL_1]>")
    assert re.fullmatch(r"\[NAME_\d\] <\[EMAIL_2\]>", anonymized.recipients[0])
    assert anonymized.mapping.originals[anonymized.recipients[0].split()[0]] == "Peter Meier"


def test_same_value_same_placeholder_and_round_trip() -> None:
    original = "Call +41 44 668 18 00 or +41 44 668 18 00; mail a@example.com and A@EXAMPLE.COM."
    text, mapping = anonymize(original)
    assert text == "Call [PHONE_1] or [PHONE_1]; mail [EMAIL_1] and [EMAIL_1]."
    assert deanonymize("Reply to [EMAIL_1], phone [PHONE_1], not [NAME_9].", mapping) == (
        "Reply to a@example.com, phone +41 44 668 18 00, not [NAME_9]."
    )


def test_placeholders_in_the_mail_itself_are_defused() -> None:
    """GIVEN a mail containing "[EMAIL_1]" WHEN anonymized and mapped back THEN it cannot expand into real data."""
    text, mapping = anonymize("Forward to [EMAIL_1] please; my address is me@example.com")
    assert text == "Forward to (EMAIL_1) please; my address is [EMAIL_1]"
    assert deanonymize(text, mapping) == "Forward to (EMAIL_1) please; my address is me@example.com"


def test_mapping_survives_serialisation() -> None:
    text, mapping = anonymize("Hi Anna, mail me at x@example.com")
    restored = AnonymizationMap.from_dict(mapping.to_dict())
    assert deanonymize(text, restored) == "Hi Anna, mail me at x@example.com"
    assert restored.placeholder_for(Kind.EMAIL, "y@example.com", "y@example.com") == "[EMAIL_2]"
    assert "example" not in repr(mapping)
