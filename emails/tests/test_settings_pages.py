"""The settings page: every section owner-only, AI key write-only, sender rules, profile, privacy log."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from emails.models import AIProviderSettings, CloudRequestLog, SenderRule
from emails.models.remote_images import RemoteImageAllowance

pytestmark = pytest.mark.django_db

SECTIONS = ("accounts", "ai", "senders", "profile", "security", "privacy")


def _log(owner, payload="{}"):
    return CloudRequestLog.objects.create(
        owner=owner, provider="openai", model="gpt-x", created_at=timezone.now(), payload=payload
    )


def test_every_section_renders_for_its_user(verified_client, alice):
    """GIVEN alice WHEN she opens each settings section THEN 200; an unknown section is 404."""
    client = verified_client(alice)
    assert client.get(reverse("emails:settings")).status_code == 200
    for section in SECTIONS:
        assert client.get(reverse("emails:settings_section", args=[section])).status_code == 200, section
    assert client.get(reverse("emails:settings_section", args=["nope"])).status_code == 404


def test_settings_is_the_current_main_navigation_item_on_every_section(verified_client, alice):
    """GIVEN alice on any settings section WHEN the top navigation is read THEN "Settings" is marked current
    (and "Dashboard" is not)."""
    client = verified_client(alice)
    settings_link = 'href="/mail/settings/" aria-current="page">Settings</a>'
    urls = [reverse("emails:settings"), *(reverse("emails:settings_section", args=[s]) for s in SECTIONS)]
    for url in urls:
        html = client.get(url).content.decode()
        assert settings_link in html, url
        assert 'aria-current="page">Dashboard</a>' not in html, url
    assert settings_link not in client.get(reverse("home")).content.decode()


def test_api_key_is_write_only_and_encrypted(verified_client, alice):
    """GIVEN alice saves an API key WHEN the page is shown again THEN the key is stored encrypted and never rendered."""
    client = verified_client(alice)
    url = reverse("emails:settings_section", args=["ai"])
    data = {
        "provider": "anthropic",
        "model": "claude-x",
        "endpoint": "",
        "api_key": "sk-very-secret-123",
        "backfill_cloud_days": "30",
    }
    assert client.post(url, data).status_code == 302
    ai = AIProviderSettings.objects.get(owner=alice)
    assert ai.api_key() == "sk-very-secret-123"
    assert "sk-very-secret-123" not in ai.api_key_encrypted
    page = client.get(url).content.decode()
    assert "sk-very-secret-123" not in page
    assert "A key is stored." in page
    # saving again without a key keeps the stored one
    client.post(url, {**data, "api_key": "", "model": "claude-y"})
    ai.refresh_from_db()
    assert (ai.model, ai.api_key()) == ("claude-y", "sk-very-secret-123")


def test_ai_endpoint_must_be_http_without_credentials(verified_client, alice):
    """GIVEN an endpoint with credentials or another scheme WHEN saved THEN refused with 422."""
    client = verified_client(alice)
    url = reverse("emails:settings_section", args=["ai"])
    base = {"provider": "openai", "model": "m", "backfill_cloud_days": "30"}
    for endpoint in ("ftp://example.org/", "https://user:pw@example.org/v1"):
        assert client.post(url, {**base, "endpoint": endpoint}).status_code == 422, endpoint
    assert not AIProviderSettings.objects.filter(owner=alice).exists()


def test_ai_test_button_works_with_the_default_provider_before_anything_is_saved(verified_client, alice):
    """GIVEN no saved AI settings WHEN the test button is pressed (without form fields, as without script) THEN
    the default local analyzer is tested and answers, and nothing is saved."""
    response = verified_client(alice).post(reverse("emails:settings_ai_test"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"The local analyzer needs no connection." in response.content
    assert b"Save the settings first" not in response.content
    assert not AIProviderSettings.objects.filter(owner=alice).exists()


def test_ai_test_button_tests_what_is_in_the_form_without_saving(verified_client, alice, monkeypatch):
    """GIVEN alice's saved local provider with a stored key WHEN she tests the form's unsaved OpenAI settings THEN
    the test sees the form's values (and the stored key, since the key field is empty) and nothing is saved."""
    from emails.pipeline.ai_settings import ConnectionTestResult
    from emails.views import settings as settings_views

    ai = AIProviderSettings(owner=alice, provider="local")
    ai.api_key_set("sk-stored")
    ai.save()
    seen: dict[str, object] = {}

    def fake_test(*, settings):
        seen.update(provider=settings.provider, model=settings.model, key=settings.api_key(), pk=settings.pk)
        return ConnectionTestResult(True, "fine")

    monkeypatch.setattr(settings_views, "ai_settings_test", fake_test)
    form = {
        "provider": "openai",
        "model": "gpt-test",
        "endpoint": "",
        "api_key": "",
        "backfill_cloud_days": "30",
    }
    response = verified_client(alice).post(reverse("emails:settings_ai_test"), form, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"fine" in response.content
    assert seen == {"provider": "openai", "model": "gpt-test", "key": "sk-stored", "pk": ai.pk}
    ai.refresh_from_db()
    assert (ai.provider, ai.model) == ("local", "")

    seen.clear()
    verified_client(alice).post(
        reverse("emails:settings_ai_test"), {**form, "api_key": "sk-typed"}, HTTP_HX_REQUEST="true"
    )
    assert seen["key"] == "sk-typed"
    ai.refresh_from_db()
    assert ai.api_key() == "sk-stored"


def test_ai_test_button_shows_the_forms_errors_with_422(verified_client, alice):
    """GIVEN an endpoint that is not http(s) in the form WHEN tested THEN 422 with the field's error, untested."""
    form = {"provider": "openai", "model": "m", "endpoint": "ftp://example.org/", "backfill_cloud_days": "30"}
    response = verified_client(alice).post(reverse("emails:settings_ai_test"), form, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert "Use an http or https URL." in response.content.decode()
    assert not AIProviderSettings.objects.filter(owner=alice).exists()


def test_ai_test_button_sends_the_settings_form_along(verified_client, alice):
    """GIVEN the AI section WHEN its markup is read THEN the test button's form includes the settings form."""
    page = verified_client(alice).get(reverse("emails:settings_section", args=["ai"])).content.decode()
    assert 'id="ai-settings-form"' in page
    assert 'hx-include="#ai-settings-form"' in page


def test_sender_rules_with_wildcards_owner_only(verified_client, alice, charlie):
    """GIVEN alice adds *@Alice-Corp.example WHEN charlie deletes it THEN 404; alice can; bad patterns are refused."""
    client = verified_client(alice)
    url = reverse("emails:settings_section", args=["senders"])
    assert client.post(url, {"pattern": "*@Alice-Corp.example", "kind": "vip"}).status_code == 302
    rule = SenderRule.objects.get(owner=alice)
    assert rule.pattern == "*@alice-corp.example"
    assert (
        client.post(url, {"pattern": "*@alice-corp.example", "kind": "vip"}).status_code == 422
    )  # duplicate
    for bad in ("*", "no-at-sign", "a b@example.com", "<script>@x"):
        assert client.post(url, {"pattern": bad, "kind": "trusted"}).status_code == 422, bad
    assert b"*@alice-corp.example" not in verified_client(charlie).get(url).content
    delete = reverse("emails:sender_rule_delete", args=[rule.pk])
    assert verified_client(charlie).post(delete).status_code == 404
    assert client.post(delete).status_code == 302
    assert not SenderRule.objects.exists()


def test_remote_image_allowance_removal_is_owner_only(verified_client, alice, charlie):
    """GIVEN alice allowed a sender's images WHEN charlie removes the allowance THEN 404; alice can."""
    allowance = RemoteImageAllowance.objects.create(owner=alice, sender_address="news@shop.example")
    url = reverse("emails:remote_image_allowance_delete", args=[allowance.pk])
    assert verified_client(charlie).post(url).status_code == 404
    assert verified_client(alice).post(url).status_code == 302
    assert not RemoteImageAllowance.objects.exists()


def test_profile_sets_language_and_validates_time_zone(verified_client, alice):
    """GIVEN alice WHEN she picks German and Europe/Berlin THEN both are stored and the language cookie is set;
    an unknown zone is refused."""
    client = verified_client(alice)
    url = reverse("emails:settings_section", args=["profile"])
    assert client.post(url, {"language": "de", "time_zone": "Mars/Olympus"}).status_code == 422
    response = client.post(url, {"language": "de", "time_zone": "Europe/Berlin"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.language, alice.time_zone) == ("de", "Europe/Berlin")
    assert response.cookies["django_language"].value == "de"


def test_privacy_log_is_owner_only_and_paginated(verified_client, alice, charlie):
    """GIVEN 30 log rows of alice's WHEN listed THEN 25 per page, rows readable by alice only."""
    rows = [_log(alice, payload=f'{{"n": {n}}}') for n in range(30)]
    _log(charlie, payload="charlie-only-payload")
    client = verified_client(alice)
    url = reverse("emails:settings_section", args=["privacy"])
    first = client.get(url).content.decode()
    assert first.count("What was sent") == 25
    assert "charlie-only-payload" not in first
    assert client.get(url + "?page=2").content.decode().count("What was sent") == 5
    entry = reverse("emails:privacy_log_entry", args=[rows[0].pk])
    assert b"{&quot;n&quot;: 0}" in client.get(entry).content
    response = verified_client(charlie).get(entry)
    assert response.status_code == 404
    assert b'"n": 0' not in response.content
