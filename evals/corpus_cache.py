"""An index per evaluated corpus, reused while the corpus content is unchanged."""

from __future__ import annotations

import hashlib
from pathlib import Path

from assistant.settings import Settings
from ingest.pipeline import collect_files


def corpus_hash(folder: Path) -> str:
    h = hashlib.sha256()
    files = collect_files([folder])
    extra = [p for p in (folder / "manifest.json",) if p.exists()] + sorted(folder.rglob("*.meta.json"))
    for f in sorted(files + extra):
        h.update(str(f.relative_to(folder)).encode())
        h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def cached_settings(base: Settings, folder: Path, cache_dir: Path | None = None) -> Settings:
    """Settings whose data directory holds the index of ``folder`` (SQLite + embedded Chroma)."""
    root = cache_dir or (base.data_dir / "eval-cache")
    data = root / f"{folder.resolve().name}-{corpus_hash(folder)[:16]}"
    return base.model_copy(update={"data_dir": data, "database_url": None, "chroma_url": None, "corpus_dir": folder})
