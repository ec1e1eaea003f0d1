"""Ingestion benchmark: documents/s, chunks/s, time split (parse / SQL write / embed / vector write), peak RSS.

    python -m evals.bench_ingest --shared ../shared [--corpus hanoi --corpus alqac] [--no-embed]

Each corpus is ingested into a fresh temporary data directory. Results are printed and written to
evals/results/bench_ingest.json.
"""

from __future__ import annotations

import json
import platform
import resource
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from assistant.index.store import Index
from assistant.settings import Settings
from ingest.pipeline import collect_files, ingest_files

console = Console()
RESULTS = Path(__file__).parent / "results" / "bench_ingest.json"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_corpus(name: str, folder: Path, embed: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as tmp:
        settings = Settings(data_dir=Path(tmp), corpus_dir=folder)
        index = Index(settings)
        files = collect_files([folder])
        t0 = time.perf_counter()
        results = ingest_files(files, index, settings)
        t_docs = time.perf_counter() - t0
        parse = sum(r.parse_seconds for r in results)
        write = sum(r.write_seconds for r in results)
        chunks = sum(r.chunks for r in results)
        out = {
            "corpus": name,
            "path": str(folder),
            "files": len(files),
            "failed": sum(r.failed for r in results),
            "articles": sum(r.articles for r in results),
            "chunks": chunks,
            "bytes": sum(f.stat().st_size for f in files),
            "parse_seconds": round(parse, 2),
            "sql_write_seconds": round(write, 2),
            "documents_phase_seconds": round(t_docs, 2),
        }
        if embed:
            from assistant.embeddings import make_embedder

            embedder = make_embedder(settings)
            t1 = time.perf_counter()
            sync = index.sync_vectors(embedder)
            out["embed_phase_seconds"] = round(time.perf_counter() - t1, 2)
            out["embed_seconds"] = round(sync.embed_seconds, 2)
            out["vector_write_seconds"] = round(sync.write_seconds, 2)
            out["embedded"] = sync.embedded
            t2 = time.perf_counter()
            again = ingest_files(files, index, settings)
            resync = index.sync_vectors(embedder)
            out["reingest_seconds"] = round(time.perf_counter() - t2, 2)
            out["reingest_unchanged"] = sum(r.status == "unchanged" for r in again)
            out["reingest_embedded"] = resync.embedded
        total = out["documents_phase_seconds"] + out.get("embed_phase_seconds", 0.0)
        out["total_seconds"] = round(total, 2)
        out["documents_per_second"] = round(len(files) / total, 3) if total else None
        out["chunks_per_second"] = round(chunks / total, 2) if total else None
        if embed and total:
            out["non_embedding_share"] = round(1 - out["embed_seconds"] / total, 4)
        out["peak_rss_mb"] = round(_peak_rss_mb(), 1)
        return out


def main(
    shared: Annotated[Path, typer.Option(help="The shared data folder.")] = Path("../shared"),
    corpus: Annotated[list[str], typer.Option(help="hanoi and/or alqac")] = ["hanoi", "alqac"],  # noqa: B006
    embed: Annotated[bool, typer.Option("--embed/--no-embed")] = True,
    out: Annotated[Path, typer.Option()] = RESULTS,
) -> None:
    folders = {"hanoi": shared / "corpus" / "hanoi", "alqac": shared / "benchmarks" / "alqac2023" / "corpus"}
    rows = []
    for name in corpus:
        console.print(f"[bold]Benchmarking {name}…[/]")
        rows.append(bench_corpus(name, folders[name], embed))
        console.print(rows[-1])
    table = Table(title="Ingestion benchmark")
    keys = ["corpus", "files", "chunks", "parse_seconds", "sql_write_seconds", "embed_seconds",
            "vector_write_seconds", "total_seconds", "documents_per_second", "chunks_per_second",
            "non_embedding_share", "peak_rss_mb"]
    for k in keys:
        table.add_column(k)
    for r in rows:
        table.add_row(*(str(r.get(k, "—")) for k in keys))
    console.print(table)
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {"machine": {"cpus": __import__("os").cpu_count(), "python": platform.python_version()},
               "date": time.strftime("%Y-%m-%d %H:%M:%S"), "results": rows}
    out.write_text(json.dumps(payload, ensure_ascii=False, indent=2))
    console.print(f"Results written to {out}")


if __name__ == "__main__":
    typer.run(main)
