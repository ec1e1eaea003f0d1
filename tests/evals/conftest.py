from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.answering.fake_openai import FakeOpenAI


@pytest.fixture
def fake_llm() -> Iterator[FakeOpenAI]:
    """The fake OpenAI-compatible server of tests/answering (``judge`` mode answers judge prompts)."""
    with FakeOpenAI() as fake:
        yield fake
