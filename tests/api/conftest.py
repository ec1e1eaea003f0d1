from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from tests.conftest import free_port


@contextmanager
def live_server(app: FastAPI, **config: object) -> Iterator[str]:
    """Serve the app with uvicorn on a free port in a thread: real HTTP, real SSE. ``config`` adds or
    overrides uvicorn.Config options (log level, access log…)."""
    from assistant.api.edge import uvicorn_options

    port = free_port()
    options = {"log_level": "warning", **uvicorn_options(), **config}
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            httpx.get(f"{base}/healthz", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def api_keys(settings, roles: tuple[str, ...] = ("admin", "staff")) -> Iterator[dict[str, str]]:
    """API keys (plaintext by role) in the settings' database, deleted afterwards."""
    from assistant.index.store import Index
    from assistant.security.keys import KeyStore

    index = Index(settings)
    store = KeyStore(index.sessions)
    created = {role: store.create(role, f"tests/api ({role})") for role in roles}
    try:
        yield {role: key.plaintext for role, key in created.items()}
    finally:
        for key in created.values():
            store.delete(key.id)
        index.engine.dispose()


from tests.answering.conftest import fake_llm  # noqa: E402,F401 - the fake OpenAI server fixture

SMALL_HANOI = ("quyet-dinh-74-2025-QD-UBND-HN.txt", "nghi-quyet-57-2025-NQ-HDND-HN.txt",
               "nghi-quyet-76-2025-NQ-HDND-HN.txt")


@pytest.fixture(scope="session")
def small_hanoi(tmp_path_factory, hanoi_dir):
    """Three real Hà Nội texts (a decision with its own articles and an attached Quy định, two resolutions,
    one with an annex of items) with the corpus manifest, embedded: about a twentieth of the corpus."""
    import shutil

    from assistant.embeddings import make_embedder
    from assistant.index.store import Index
    from assistant.settings import Settings
    from ingest.pipeline import collect_files, ingest_files

    root = tmp_path_factory.mktemp("small-hanoi")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in (*SMALL_HANOI, "manifest.json"):
        shutil.copy(hanoi_dir / name, corpus)
    settings = Settings(data_dir=root / "data", corpus_dir=corpus)
    index = Index(settings)
    assert not [r.message for r in ingest_files(collect_files([corpus]), index, settings) if r.failed]
    index.sync_vectors(make_embedder(settings))
    index.engine.dispose()
    return settings
