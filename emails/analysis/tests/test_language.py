import pytest

from emails.analysis.language import language_detect


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Hallo Anna, kannst du mir bitte die Unterlagen für das Treffen schicken? Danke und viele Grüße",
            "de",
        ),
        ("Hi Anna, could you please send me the documents for the meeting? Thanks and best regards", "en"),
        ("Bonjour Anna, pourriez-vous m'envoyer les documents pour la réunion ? Merci et cordialement", "fr"),
        ("Ciao Anna, potresti mandarmi i documenti per la riunione? Grazie e cordiali saluti", "it"),
        ("Hola Ana, ¿me puedes enviar los documentos para la reunión? Muchas gracias y saludos", "other"),
        ("12345 67890", "other"),
    ],
)
def test_language_detected(text, language):
    """GIVEN a short mail in one language WHEN detected THEN the language (or "other") is returned."""
    assert language_detect(text=text).language == language
