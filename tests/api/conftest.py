from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from fastapi import FastAPI

from tests.conftest import free_port


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """Serve the app with uvicorn on a free port in a thread: real HTTP, real SSE."""
    from assistant.api.edge import uvicorn_options

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           **uvicorn_options()))
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
