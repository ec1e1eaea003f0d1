"""How much of the exact dense top k the Chroma (HNSW) query returns, by ``chroma_search_ef``.

    python -m evals.bench_hnsw [--corpus ../shared/corpus/hanoi] [--ef 100 --ef 400 ...]

The questions of the corpus's golden sets (Hà Nội: dev and frozen) are embedded once; each is asked
through ``VectorStore.query`` with each ef, and compared with an exact cosine ranking of every vector
in the collection (numpy). Also the time of a query, unfiltered and with an access filter as staff
accounts use. Writes evals/results/bench_hnsw.json.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console

from assistant.embeddings import make_embedder
from assistant.index.vectors import VectorStore
from assistant.retrieval.search import percentile
from assistant.settings import Settings
from evals.runner import ROOT, ensure_index, index_settings

console = Console()
RESULTS = Path(__file__).parent / "results" / "bench_hnsw.json"
GOLDEN = {"hanoi": [ROOT / "evals" / "golden" / "hanoi_dev.jsonl", ROOT / "evals" / "golden" / "hanoi_frozen.jsonl"]}


def main(
    corpus: Annotated[Path, typer.Option(help="Corpus folder (its cached index is built if missing).")] = Path(
        "../shared/corpus/hanoi"),
    questions: Annotated[list[Path] | None, typer.Option(help="JSONL files with a 'question' field.")] = None,
    ef: Annotated[list[int], typer.Option(help="chroma_search_ef values to compare.")] = [100, 200, 400, 800],  # noqa: B006
    k: Annotated[int, typer.Option(help="Candidates asked per query (retrieval_candidates).")] = 100,
    out: Annotated[Path, typer.Option()] = RESULTS,
) -> None:
    corpus = corpus.resolve()
    settings = index_settings(corpus, Settings())
    ensure_index(settings, corpus)
    files = questions or GOLDEN.get(corpus.name, [])
    if not files:
        raise typer.BadParameter(f"không có bộ câu hỏi cho {corpus.name}: dùng --questions", param_hint="--questions")
    asked = [json.loads(line)["question"] for f in files for line in f.read_text(encoding="utf-8").splitlines() if line]

    embedder = make_embedder(settings)
    queries = np.array([embedder.embed_query(q) for q in asked], dtype=np.float32)
    got = VectorStore(settings)._collection().get(include=["embeddings", "metadatas"])
    ids = np.array(got["ids"])
    unit = np.asarray(got["embeddings"], dtype=np.float32)
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    public = np.array([(m or {}).get("access") == "public" for m in got["metadatas"]])
    exact = [np.argsort(-(unit @ (q / np.linalg.norm(q)))) for q in queries]
    console.print(f"{len(asked)} questions, {len(ids)} vectors, top {k}")

    rows = []
    for value in ef:
        store = VectorStore(settings.model_copy(update={"chroma_search_ef": value}))
        row: dict[str, float | int] = {"ef": value}
        for label, where, mask in (("all", None, None), ("public", {"access": {"$in": ["public"]}}, public)):
            times, found, found10, total10 = [], 0, 0, 0
            for q, order in zip(queries, exact, strict=True):
                t0 = time.perf_counter()
                hits = [cid for cid, _ in store.query(q, k, where=where)]
                times.append((time.perf_counter() - t0) * 1000)
                best = order if mask is None else order[mask[order]]
                found += len(set(ids[best[:k]]) & set(hits))
                found10 += len(set(ids[best[:10]]) & set(hits[:10]))
                total10 += min(10, len(best))
            row[f"{label}_recall@{k}"] = round(found / sum(min(k, len(o if mask is None else o[mask[o]]))
                                                          for o in exact), 4)
            row[f"{label}_recall@10"] = round(found10 / total10, 4)
            row[f"{label}_p50_ms"] = round(percentile(times, 50), 2)
            row[f"{label}_p95_ms"] = round(percentile(times, 95), 2)
        console.print(row)
        rows.append(row)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M:%S"), "corpus": corpus.name,
                               "questions": len(asked), "vectors": len(ids), "k": k, "results": rows}, indent=2))
    console.print(f"Results written to {out}")


if __name__ == "__main__":
    typer.run(main)
