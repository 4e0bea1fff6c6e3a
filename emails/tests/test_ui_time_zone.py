"""The time zone saved in the profile is the one every page shows times in, and that "today" counts in."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from emails.tests.pages import in_language, page_html
from tags.tests.factories import account_make, folder_make, message_make, triage_make

pytestmark = pytest.mark.django_db

LATE_EVENING_UTC = datetime(2026, 12, 10, 23, 30, tzinfo=UTC)  # already the 11th in Berlin


def _message(owner: Any, **triage: Any) -> Any:
    account = account_make(owner)
    message = message_make(owner, account=account, folder=folder_make(account), received_at=LATE_EVENING_UTC)
    triage_make(message, **triage)
    return message


def test_times_on_the_message_page_follow_the_profile_time_zone(verified_client, alice, bob):
    """GIVEN the same late-evening UTC mail for alice (Europe/Berlin) and bob (UTC) WHEN each opens it THEN
    alice sees the 11th, 00:30, and bob the 10th, 23:30; and the invite's start is shown in each zone."""
    alice.time_zone = "Europe/Berlin"
    alice.save(update_fields=["time_zone"])
    invite = {
        "method": "REQUEST",
        "title": "Budget review",
        "start": "2026-12-10T14:00:00+00:00",
        "end": "20261210",
    }
    pages = {}
    for user in (alice, bob):
        message = _message(user, invite=invite)
        pages[user.username] = page_html(
            in_language("en", verified_client(user)), reverse("emails:detail", args=[message.pk])
        )

    assert "Dec. 11, 2026, 12:30 a.m." in pages["alice"]
    assert "Dec. 10, 2026, 11:30 p.m." in pages["bob"]
    assert "Dec. 10, 2026, 3 p.m." in pages["alice"]  # the invite: 14:00 UTC is 15:00 in Berlin
    assert "Dec. 10, 2026, 2 p.m." in pages["bob"]
    assert "2026-12-10T14:00:00+00:00" not in pages["alice"].split('id="main"', 1)[1].split("<time", 1)[0]
    assert "Dec. 10, 2026</dd>" in pages["alice"]  # a whole-day end stays a date


def test_an_unknown_zone_falls_back_to_the_servers_and_the_request_leaves_no_zone_behind(
    verified_client, alice
):
    """GIVEN a profile zone that no longer exists WHEN a page renders THEN it shows server time, and after the
    request the thread's zone is the server's again."""
    alice.time_zone = "Mars/Olympus_Mons"
    alice.save(update_fields=["time_zone"])
    message = _message(alice)
    page = page_html(in_language("en", verified_client(alice)), reverse("emails:detail", args=[message.pk]))
    assert "Dec. 10, 2026, 11:30 p.m." in page
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE


def test_saving_a_new_zone_recounts_today_on_the_dashboard(verified_client, alice, monkeypatch):
    """GIVEN mail received at 23:30 UTC yesterday (it is 08:00 UTC now) WHEN alice (UTC) sets a zone where that
    was already today THEN the dashboard's "today" counts it at once (the old zone's cached totals go)."""
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 12, 11, 8, 0, tzinfo=UTC))
    client = in_language("en", verified_client(alice))
    _message(alice, urgency=2, importance=2)
    before = client.get(reverse("home")).context["totals"]
    response = client.post(
        reverse("emails:settings_section", args=["profile"]),
        {"language": "en", "time_zone": "Pacific/Auckland"},
    )
    assert response.status_code == 302
    after = client.get(reverse("home")).context["totals"]
    assert (before.today, after.today) == (0, 1)
