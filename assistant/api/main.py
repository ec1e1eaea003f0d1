"""The app of one uvicorn worker of `assistant serve --workers N`.

    uvicorn assistant.api.main:app_factory --factory --workers N

The `serve` parent ingests documents (and, with the embedded Chroma store, computes vectors)
before it starts the workers, then hands them its effective settings as ``ASSISTANT_*``
variables, the demo page's widget key as ``ASSISTANT_SERVE_DEMO_KEY``, the directory where all
workers write their metrics as ``PROMETHEUS_MULTIPROC_DIR`` (see assistant/api/metrics.py) and the file
where it publishes its indexing progress as ``ASSISTANT_SERVE_STATE_FILE``. A worker never writes to the
index: it shows the counts from the database and the parent's phase, errors and next retry
(``DatabaseIndexingJob``).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from fastapi import FastAPI

from assistant.api.app import create_app
from assistant.index.store import Index
from assistant.indexing import DatabaseIndexingJob
from assistant.settings import Settings

DEMO_KEY_ENV = "ASSISTANT_SERVE_DEMO_KEY"  # not a setting: made by `serve` for its own demo page
PARENT_STATE_ENV = "ASSISTANT_SERVE_STATE_FILE"  # not a setting either: made by `serve` for this run


def app_factory() -> FastAPI:
    settings = Settings()
    logging.basicConfig(level=getattr(logging, settings.log_level.upper(), logging.INFO),
                        format="%(levelname)s:     [%(process)d] %(name)s: %(message)s")
    for noisy in ("chromadb", "httpx", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    index = Index(settings)
    parent_state = os.environ.get(PARENT_STATE_ENV)
    job = DatabaseIndexingJob(settings, index, parent_state=Path(parent_state) if parent_state else None)
    app = create_app(settings, job=job, demo_key=os.environ.get(DEMO_KEY_ENV) or None, warm_up=True,
                     log_queue=True)
    app.state.metrics.track_worker()
    return app
