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
