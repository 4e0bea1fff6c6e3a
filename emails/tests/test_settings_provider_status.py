"""The AI settings page says plainly when the user's cloud provider is failing."""

import pytest
from django.urls import reverse
from django.utils import timezone

from emails.models import AIProviderSettings, CloudRequestLog

pytestmark = pytest.mark.django_db


def _log(owner, **fields) -> CloudRequestLog:
    return CloudRequestLog.objects.create(
        owner=owner, provider="openai", model="m", created_at=timezone.now(), payload="{}", **fields
    )


def _page(client) -> str:
    return client.get(reverse("emails:settings_section", args=["ai"])).content.decode()


def test_a_failing_provider_is_shown_with_its_error(verified_client, alice):
    """GIVEN alice's last provider request failed WHEN she opens the AI settings THEN the page says so,
    with the error, and that mail is analysed locally meanwhile."""
    AIProviderSettings.objects.create(
        owner=alice, provider="openai", model="m", endpoint="http://127.0.0.1:9/v1"
    )
    _log(alice, status_code=200)
    _log(alice, status_code=503, error="openai answered 503 Service Unavailable")
    html = _page(verified_client(alice))
    assert 'class="provider-status is-failing"' in html
    assert "503 Service Unavailable" in html
    assert "analysed locally" in html
    assert "2 requests in the last 24 hours, 1 failed." in html


def test_a_working_provider_and_another_users_failures(verified_client, alice, bob):
    """GIVEN bob's provider fails and alice's answers WHEN alice opens her page THEN she sees only her
    own healthy status; bob sees his failure (positive control)."""
    _log(alice, status_code=200)
    _log(bob, status_code=500, error="boom from bob's provider")
    alice_html = _page(verified_client(alice))
    assert 'class="provider-status"' in alice_html
    assert "boom from bob" not in alice_html
    assert "boom from bob" in _page(verified_client(bob))
