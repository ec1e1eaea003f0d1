"""Search latency as the corpus grows: the ALQAC corpus at 1×, then duplicated to 5× and 10×.

    python -m evals.bench_scale [--factors 1 5 10]

Copies are ingested as documents of their own (SQL, lexical index); their vectors are the
original chunks' vectors copied under the new ids — the texts are identical, so re-embedding them
would only cost hours. Query embeddings are computed once and reused, so the numbers are search
time only. Writes evals/results/bench_scale.json.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import select

from assistant.embeddings import make_embedder
from assistant.index.schema import ChunkRow, ChunkVectorRow
from assistant.index.store import Index
from assistant.retrieval.search import Retriever, percentile
from assistant.settings import Settings
from evals.corpus_cache import cached_settings
from ingest.pipeline import collect_files, ingest_files

console = Console()
RESULTS = Path(__file__).parent / "results" / "bench_scale.json"


def _copy_vectors(source: Index, target: Index, suffix: str, model: str) -> int:
    with target.sessions() as s:
        rows = list(s.execute(select(ChunkRow.id, ChunkRow.content_hash, ChunkRow.doc_id, ChunkRow.article_id,
                                     ChunkRow.part, ChunkRow.kind, ChunkRow.access)
                              .where(ChunkRow.doc_id.like(f"%{suffix}"))))
    original_ids = [r.id.replace(suffix + ":", ":", 1) for r in rows]
    got = source.vectors._col.get(ids=original_ids, include=["embeddings"])
    vec = dict(zip(got["ids"], got["embeddings"], strict=True))
    ids, embs, metas, marks = [], [], [], []
    for r, oid in zip(rows, original_ids, strict=True):
        if oid not in vec:
            continue
        ids.append(r.id)
        embs.append(list(vec[oid]))
        metas.append(Index.vector_metadata(r.doc_id, r.part, r.kind, r.article_id.split(":", 1)[1], r.access))
        marks.append(ChunkVectorRow(chunk_id=r.id, model=model, content_hash=r.content_hash))
    import numpy as np

    for i in range(0, len(ids), 1000):
        batch = np.asarray(embs[i : i + 1000], dtype=np.float32)
        target.vectors.upsert(ids[i : i + 1000], batch, metas[i : i + 1000])
    with target.sessions.begin() as s:
        s.add_all(marks)
    return len(ids)


def main(
    shared: Annotated[Path, typer.Option()] = Path("../shared"),
    factors: Annotated[list[int], typer.Option()] = [1, 5, 10],  # noqa: B006
    out: Annotated[Path, typer.Option()] = RESULTS,
) -> None:
    corpus = shared / "benchmarks" / "alqac2023" / "corpus"
    questions = [json.loads(x)["question"] for x in (corpus.parent / "dev.jsonl").read_text().splitlines() if x]
    source_settings = cached_settings(Settings(data_dir=Path("data")), corpus)
    source = Index(source_settings)
    embedder = make_embedder(source_settings)
    qvecs = {q: embedder.embed_query(q) for q in questions}

    class Cached:
        name = embedder.name

        def embed_query(self, text: str):  # noqa: ANN201
            return qvecs[text]

    results = []
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        work = Path(tmp)
        settings = Settings(data_dir=work / "data")
        target = Index(settings)
        files = collect_files([corpus])
        done = 0
        for factor in sorted(factors):
            while done < factor:
                suffix = "" if done == 0 else f"-x{done}"
                folder = work / f"copy{done}"
                folder.mkdir()
                for f in files:
                    shutil.copy(f, folder / f"{f.stem}{suffix}{f.suffix}")
                ingest_files(collect_files([folder]), target, settings)
                if done == 0:
                    n = _copy_plain(source, target, embedder.name)
                else:
                    n = _copy_vectors(source, target, suffix, embedder.name)
                console.print(f"copy {done}: {n} vectors")
                done += 1
            retriever = Retriever(target, settings, embedder=Cached())
            for q in questions[:5]:
                retriever.search(q, k=10)
            search, lex, dense = [], [], []
            for q in questions:
                t = retriever.search(q, k=10).timings_ms
                search.append(t["search_ms"])
                lex.append(t.get("lexical_ms", 0.0))
                dense.append(t.get("dense_ms", 0.0))
            stats = target.stats()
            row = {"factor": factor, "documents": stats["documents"], "chunks": stats["chunks"],
                   "search_p50_ms": round(percentile(search, 50), 2),
                   "search_p95_ms": round(percentile(search, 95), 2),
                   "lexical_p95_ms": round(percentile(lex, 95), 2), "dense_p95_ms": round(percentile(dense, 95), 2)}
            console.print(row)
            results.append(row)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M:%S"), "results": results}, indent=2))
    console.print(f"Results written to {out}")


def _copy_plain(source: Index, target: Index, model: str) -> int:
    """The first copy keeps the original ids: copy vectors one to one."""
    with target.sessions() as s:
        rows = list(s.execute(select(ChunkRow.id, ChunkRow.content_hash, ChunkRow.doc_id, ChunkRow.article_id,
                                     ChunkRow.part, ChunkRow.kind, ChunkRow.access)))
    got = source.vectors._col.get(ids=[r.id for r in rows], include=["embeddings"])
    vec = dict(zip(got["ids"], got["embeddings"], strict=True))
    import numpy as np

    keep = [r for r in rows if r.id in vec]
    for i in range(0, len(keep), 1000):
        part = keep[i : i + 1000]
        metas = [Index.vector_metadata(r.doc_id, r.part, r.kind, r.article_id.split(":", 1)[1], r.access)
                 for r in part]
        target.vectors.upsert([r.id for r in part], np.asarray([vec[r.id] for r in part], dtype=np.float32), metas)
    with target.sessions.begin() as s:
        s.add_all(ChunkVectorRow(chunk_id=r.id, model=model, content_hash=r.content_hash) for r in keep)
    return len(keep)


if __name__ == "__main__":
    typer.run(main)
