from datetime import date

import pytest

from emails.analysis.deadlines import deadline_find

MONDAY = date(2024, 12, 2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Please send me the slides by Friday.", date(2024, 12, 6)),
        ("Can you review the contract until December 3rd?", date(2024, 12, 3)),
        ("The report is due on 2024-12-20.", date(2024, 12, 20)),
        ("Bitte schicken Sie mir die Unterlagen bis 15.12.", date(2024, 12, 15)),
        ("Die Rechnung ist spätestens am 10. Januar zu bezahlen.", date(2025, 1, 10)),
        ("Bitte gib mir bis Freitag Bescheid.", date(2024, 12, 6)),
        ("Merci de répondre avant le 2 décembre.", date(2024, 12, 2)),
        ("Merci de renvoyer le formulaire avant le 20 décembre 2024.", date(2024, 12, 20)),
        ("Potresti inviarmi il documento entro il 5 marzo?", date(2025, 3, 5)),
        ("Il pagamento è da effettuare entro venerdì.", date(2024, 12, 6)),
        ("Please answer within 3 days.", date(2024, 12, 5)),
        ("Bitte bis morgen erledigen.", date(2024, 12, 3)),
    ],
)
def test_deadline_found_in_four_languages(text, expected):
    """GIVEN a sentence stating a deadline WHEN searched THEN the date resolves against the mail's date."""
    found = deadline_find(text=text, reference=MONDAY)
    assert found is not None, text
    assert found.when == expected


@pytest.mark.parametrize(
    "text",
    [
        "We met on Friday and it was nice.",
        "Version 1.2.3 is out.",
        "Am 15.12. war ich im Urlaub.",
        "Le 2 décembre nous étions à Paris.",
    ],
)
def test_dates_without_a_deadline_trigger_are_not_deadlines(text):
    """GIVEN a date with no "by/bis/avant/entro" WHEN searched THEN there is no deadline."""
    assert deadline_find(text=text, reference=MONDAY) is None


def test_past_deadline_is_ignored_and_positive_control_found():
    """GIVEN a deadline before the mail's date WHEN searched THEN it is ignored; a later one is kept."""
    assert deadline_find(text="Please reply by 2024-11-01.", reference=MONDAY) is None
    assert deadline_find(text="Please reply by 2024-12-11.", reference=MONDAY) is not None
