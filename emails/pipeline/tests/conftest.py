from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from emails.ai.tests.fake_servers import FakeServer


@pytest.fixture
def folder(alice: Any) -> Any:
    from emails.pipeline.tests.factories import folder_make

    return folder_make(alice)


@pytest.fixture
def openai_server() -> Iterator[FakeServer]:
    with FakeServer() as server:
        yield server
