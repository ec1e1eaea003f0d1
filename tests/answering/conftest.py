from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.answering.fake_openai import FakeOpenAI


@pytest.fixture
def fake_llm() -> Iterator[FakeOpenAI]:
    """A fake OpenAI-compatible server on a free local port (``.base_url``, ``.mode``, ``.requests``)."""
    with FakeOpenAI() as fake:
        yield fake
