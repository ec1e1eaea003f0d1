"""The naive LangChain baseline: RecursiveCharacterTextSplitter(1000, 200) over each document's
text, the same embeddings, a Chroma collection; each chunk is credited to the Điều it starts in."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from langchain_text_splitters import RecursiveCharacterTextSplitter

from ingest.loaders import load_file
from ingest.metadata import doc_id_for, load_overrides
from ingest.pipeline import collect_files

_ARTICLE = re.compile(r"^Điều\s+(\d+[a-zđ]?)\s*[\.:]", re.M)
COLLECTION = "naive_langchain"


def _chunks(folder: Path) -> list[tuple[str, str, str | None]]:
    """(chunk id, text, article number it starts in) for every document of the folder."""
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200, add_start_index=True)
    manifest = folder / "manifest.json"
    out = []
    for path in collect_files([folder]):
        try:
            text = load_file(path).text
        except Exception:  # noqa: BLE001 - the baseline skips what it cannot read
            continue
        doc_id = doc_id_for(path, load_overrides(manifest if manifest.exists() else None, path))
        starts = [(m.start(), m.group(1)) for m in _ARTICLE.finditer(text)]
        offsets = [s for s, _ in starts]
        for i, d in enumerate(splitter.create_documents([text])):
            start = d.metadata["start_index"]
            pos = bisect.bisect_right(offsets, start) - 1
            article = starts[pos][1] if pos >= 0 else None
            out.append((f"{doc_id}#{i}", d.page_content, article))
    return out


class NaiveLangChain:
    def __init__(self, chroma_client: Any, folder: Path, embedder: Any,
                 progress: Callable[[int, int], None] | None = None) -> None:
        self.embedder = embedder
        self.col = chroma_client.get_or_create_collection(
            f"{COLLECTION}_{re.sub(r'[^a-z0-9]+', '_', embedder.name.lower())}"[:60],
            metadata={"hnsw:space": "cosine"}, embedding_function=None,
        )
        chunks = _chunks(folder)
        have = set(self.col.get(include=[])["ids"]) if self.col.count() else set()
        todo = [c for c in chunks if c[0] not in have]
        for i in range(0, len(todo), 32):
            batch = todo[i : i + 32]
            vecs = embedder.embed_passages([t for _, t, _ in batch])
            self.col.upsert(
                ids=[c for c, _, _ in batch],
                embeddings=vecs.tolist(),
                metadatas=[{"doc_id": c.split("#")[0], "article": a or ""} for c, _, a in batch],
            )
            if progress:
                progress(min(i + 32, len(todo)), len(todo))

    def search(self, query: str, k: int = 10) -> list[tuple[str, str | None]]:
        res = self.col.query(query_embeddings=[self.embedder.embed_query(query).tolist()], n_results=k * 3,
                             include=["metadatas"])
        return [(m["doc_id"], m["article"] or None) for m in res["metadatas"][0]]
