from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from emails.ai.tests.fake_servers import FakeServer, Reply, openai_chat
from emails.models import AIProviderSettings
from emails.pipeline.ai_settings import ai_settings_save, ai_settings_test
from emails.pipeline.tests.test_pipeline import LLM_ANSWER


@pytest.mark.django_db
def test_connection_test_talks_to_the_provider_and_the_key_stays_encrypted(alice: Any) -> None:
    """GIVEN settings for an OpenAI-compatible server WHEN saved and tested THEN ok, key encrypted, not in repr."""
    with FakeServer() as server:
        server.default = Reply(body=openai_chat(json.dumps(LLM_ANSWER)))
        ai = ai_settings_save(
            settings=AIProviderSettings(
                owner=alice, provider="openai", endpoint=server.url + "/v1", model="m"
            ),
            api_key="sk-secret-123",
        )
        assert ai_settings_test(settings=ai).ok
        assert server.received[0].headers.get("authorization") == "Bearer sk-secret-123"
    stored = AIProviderSettings.objects.get(owner=alice)
    assert "sk-secret-123" not in stored.api_key_encrypted
    assert stored.api_key() == "sk-secret-123"
    assert "sk-secret" not in repr(stored)
    assert "sk-secret" not in str(stored)


@pytest.mark.django_db
@override_settings(ALLOW_PRIVATE_HOSTS=False)
def test_a_private_endpoint_is_refused_on_save(alice: Any) -> None:
    """GIVEN private hosts not allowed WHEN an endpoint on loopback is saved THEN refused (public name passes)."""
    with pytest.raises(ValidationError):
        ai_settings_save(
            settings=AIProviderSettings(owner=alice, provider="ollama", endpoint="http://127.0.0.1:11434")
        )
    assert not AIProviderSettings.objects.filter(owner=alice).exists()
