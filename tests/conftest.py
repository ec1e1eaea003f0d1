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


def read_nfc(path: Path) -> str:
    return unicodedata.normalize("NFC", path.read_text(encoding="utf-8"))
