"""Rendering a page as a given reader, for the tests of what pages say."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.test import Client


def in_language(language: str, client: Client) -> Client:
    """``client`` asking for ``language`` the way the top bar's switch leaves it (the language cookie)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def page_html(client: Client, url: str, **extra: Any) -> str:
    """The page at ``url``, which must answer 200."""
    response = client.get(url, **extra)
    assert response.status_code == 200
    return response.content.decode()
