"""The message list with hostile or mistaken GET input: never a 500, and the user is told what was ignored."""

from __future__ import annotations

import base64
import json

import pytest
from django.urls import reverse

from emails.tests.test_ui_dashboard import account_make, mail_make

pytestmark = pytest.mark.django_db


def subjects(response) -> list[str]:
    return [row.subject for row in response.context["rows"]]


@pytest.mark.parametrize("name", ["emails:list", "emails:rows"])
@pytest.mark.parametrize("mode", ["text", "hybrid", "semantic"])
def test_a_nul_byte_in_the_search_box_is_not_a_500(verified_client, alice, name, mode):
    """GIVEN mail WHEN the search query holds NUL and other control bytes THEN 200 and they are dropped."""
    from emails.search import search_index_missing

    mail_make(account_make(alice), subject="invoice for alice")
    search_index_missing()
    response = verified_client(alice).get(reverse(name), {"q": "inv\x00oice\x1b", "mode": mode})
    assert response.status_code == 200
    assert response.context["filters"].query == "invoice"
    if mode == "text":
        assert subjects(response) == ["invoice for alice"]


def test_only_control_characters_in_the_search_box_is_no_search(verified_client, alice):
    """GIVEN mail WHEN q is only control bytes THEN the plain list shows."""
    mail_make(account_make(alice), subject="hello")
    response = verified_client(alice).get(reverse("emails:list"), {"q": "\x00\x01"})
    assert response.status_code == 200
    assert subjects(response) == ["hello"]


@pytest.mark.parametrize("param", ["since", "until", "cell", "category", "state", "sort", "mode", "colour"])
def test_a_nul_byte_in_any_filter_is_not_a_500(verified_client, alice, param):
    """GIVEN mail WHEN any text filter holds a NUL THEN 200, the mail still listed."""
    mail_make(account_make(alice), subject="hello")
    response = verified_client(alice).get(reverse("emails:list"), {param: "a\x00b"})
    assert response.status_code == 200
    assert subjects(response) == ["hello"]


@pytest.mark.parametrize("param", ["account", "folder", "tag"])
def test_a_nul_byte_in_an_id_is_a_404_not_a_500(verified_client, alice, param):
    """GIVEN mail WHEN an id filter holds a NUL THEN 404 (as for any malformed id)."""
    account_make(alice)
    assert verified_client(alice).get(reverse("emails:list"), {param: "1\x00"}).status_code == 404


def test_a_sender_cursor_with_a_nul_byte_is_not_a_500(verified_client, alice):
    """GIVEN a crafted sender-sort cursor whose sender holds a NUL WHEN paging THEN 200."""
    mail_make(account_make(alice), subject="hello")
    raw = json.dumps(["a\x00b@example.org", "2026-01-01T00:00:00+00:00", 10**9]).encode()
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    response = verified_client(alice).get(reverse("emails:rows"), {"sort": "sender", "cursor": cursor})
    assert response.status_code == 200


def test_clear_search_drops_the_query_but_keeps_the_other_filters(verified_client, alice):
    """GIVEN a search narrowed by filters WHEN the page renders THEN "clear search" links to the same
    filters without q and mode."""
    import re
    from html import unescape
    from urllib.parse import parse_qs, urlsplit

    mail_make(account_make(alice), subject="invoice", is_seen=False)
    response = verified_client(alice).get(
        reverse("emails:list"), {"q": "invoice", "mode": "text", "unread": "1", "sort": "sender"}
    )
    match = re.search(rb'<a href="([^"]*)" data-clear-search>', response.content)
    assert match is not None
    params = parse_qs(urlsplit(unescape(match.group(1).decode())).query)
    assert params == {"unread": ["1"], "sort": ["sender"]}


def notices(response) -> list[str]:
    return list(response.context["filters"].notices)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"since": "2026-13-45"}, "Ignored the date “2026-13-45”: not a valid date (use YYYY-MM-DD)."),
        ({"until": "2026-02-30"}, "Ignored the date “2026-02-30”: not a valid date (use YYYY-MM-DD)."),
        ({"since": "notadate"}, "Ignored the date “notadate”: not a valid date (use YYYY-MM-DD)."),
        ({"cell": "9-9"}, "Ignored the matrix cell “9-9”: use urgency and importance from 1 to 3, e.g. 3-3."),
        ({"category": "bogus"}, "Ignored the category “bogus”: there is no such category."),
        ({"state": "zzz"}, "Ignored the done filter “zzz”: use open or done."),
        ({"sort": "bogus"}, "Ignored the sort order “bogus”: sorted by newest instead."),
        ({"colour": "pink"}, "Ignored the colour “pink”: use red, yellow or green."),
        ({"cursor": "garbage"}, "Ignored a broken page link: showing the first page."),
    ],
)
def test_an_invalid_filter_is_ignored_with_a_notice(verified_client, alice, params, expected):
    """GIVEN mail WHEN one filter value is invalid THEN 200, the other filters still apply, and a notice
    names what was ignored and why."""
    account = account_make(alice)
    mail_make(account, subject="unread", is_seen=False)
    mail_make(account, subject="seen", is_seen=True)
    response = verified_client(alice).get(reverse("emails:list"), {**params, "unread": "1"})
    assert response.status_code == 200
    assert subjects(response) == ["unread"]
    assert notices(response) == [expected]
    assert expected in response.content.decode()


def test_valid_filters_give_no_notice(verified_client, alice):
    """GIVEN valid filters THEN no notice."""
    mail_make(account_make(alice), subject="x")
    response = verified_client(alice).get(
        reverse("emails:list"),
        {
            "since": "2020-01-01",
            "until": "2030-01-01",
            "cell": "3-3",
            "category": "action_required",
            "sort": "score",
        },
    )
    assert notices(response) == []


def test_an_invalid_date_stays_in_the_form_field(verified_client, alice):
    """GIVEN an invalid "since" WHEN the list renders THEN the field still shows the typed text."""
    account_make(alice)
    response = verified_client(alice).get(reverse("emails:list"), {"since": "2026-13-45"})
    content = response.content.decode()
    # a date input would blank an impossible date, so the field turns into a text field
    assert '<input type="text" id="f-since" name="since" value="2026-13-45"' in content


def test_reversed_dates_say_no_mail_can_match(verified_client, alice):
    """GIVEN since after until WHEN the list loads THEN a notice says why nothing matches."""
    mail_make(account_make(alice), subject="x")
    response = verified_client(alice).get(
        reverse("emails:list"), {"since": "2026-03-01", "until": "2026-02-01"}
    )
    assert response.status_code == 200
    assert notices(response) == ["“From” is after “Until”: no mail can match."]


def test_category_spam_shows_spam_without_the_spam_box(verified_client, alice):
    """GIVEN spam mail WHEN the category spam is chosen THEN it is listed (spam is otherwise hidden)."""
    from emails.models import Triage

    account = account_make(alice)
    spam = mail_make(account, subject="spam", urgency=1, importance=1)
    Triage.objects.filter(logical=spam.logical).update(is_spam=True, category="spam")
    mail_make(account, subject="normal", urgency=1, importance=1)
    response = verified_client(alice).get(reverse("emails:list"), {"category": "spam"})
    assert subjects(response) == ["spam"]
    assert subjects(verified_client(alice).get(reverse("emails:list"))) == ["normal"]
