"""Ingestion benchmark: documents/s, chunks/s, time split (parse / SQL write / embed / vector write), peak RSS.

    python -m evals.bench_ingest --shared ../shared [--corpus hanoi --corpus alqac] [--no-embed] [--no-ocr]
    python -m evals.bench_ingest --ocr-only

Each corpus is ingested into a fresh temporary data directory. The OCR section renders the first pages
of three corpus texts as scans (250 dpi, turned, speckled: the generator of tests/ingest, so it runs
from a checkout with the dev extras) and times the PDF loader on them page by page, with the character
error rate against the same pages with a text layer. Results are printed and written to
evals/results/bench_ingest.json (``--ocr-only`` replaces its "ocr" entry only).
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
        settings = Settings(data_dir=Path(tmp), corpus_dir=folder, embedding_cache_dir=None)  # embedding is measured
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


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (the tesseract runs): wall time on a shared
    machine says more about the neighbours than about OCR."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


OCR_TEXTS = ("nghi-quyet-81-2025-NQ-HDND-HN.txt", "luat-tiep-can-thong-tin-01-2026-QH16.txt",
             "nghi-dinh-173-2025-ND-CP.txt")


def bench_ocr(folder: Path, pages: int = 2) -> dict:
    """Seconds per scanned page through ``load_file`` (rasterising, Tesseract, clean-up), and the CER."""
    import unicodedata

    from rapidfuzz.distance import Levenshtein

    from ingest.loaders import load_file
    from ingest.loaders.ocr import engine_version
    from tests.ingest.fixtures_gen import make_pdf, make_scanned_pdf, scan_pages, wrap_lines

    def flat(text: str) -> str:
        return " ".join(text.split())

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-ocr-") as tmp:
        for seed, name in enumerate(OCR_TEXTS):
            kept, used = [], 0
            for line in unicodedata.normalize("NFC", (folder / name).read_text(encoding="utf-8")).split("\n"):
                used += len(wrap_lines(line, 80))
                if used > pages * 52:  # make_pdf's lines per page
                    break
                kept.append(line)
            typed, scanned = Path(tmp) / f"{seed}.pdf", Path(tmp) / f"{seed}-scan.pdf"
            make_pdf("\n".join(kept), typed, header="VĂN BẢN QUY PHẠM PHÁP LUẬT", footer="Bản sao lưu trữ")
            make_scanned_pdf(scan_pages(typed, seed=seed, rotate=0.5 + 0.25 * seed), scanned)
            t0, cpu0 = time.perf_counter(), _cpu_seconds()
            loaded = load_file(scanned)
            seconds, cpu = time.perf_counter() - t0, _cpu_seconds() - cpu0
            reference = flat(load_file(typed).text)
            ocr_pages = len(loaded.ocr.pages) if loaded.ocr else 0
            rows.append({"text": name, "pages": ocr_pages, "seconds": round(seconds, 2),
                         "seconds_per_page": round(seconds / max(1, ocr_pages), 2),
                         "cpu_seconds_per_page": round(cpu / max(1, ocr_pages), 2),
                         "cer": round(Levenshtein.distance(reference, flat(loaded.text)) / len(reference), 4),
                         "mean_confidence": round(loaded.ocr.mean_confidence, 1) if loaded.ocr else None})
    total_pages = sum(r["pages"] for r in rows)
    return {"engine": engine_version("tesseract", "vie"), "dpi_rendered": 300, "scan_dpi": 250,
            "pages": total_pages, "seconds_per_page": round(sum(r["seconds"] for r in rows) / max(1, total_pages), 2),
            "cpu_seconds_per_page": round(sum(r["cpu_seconds_per_page"] * r["pages"] for r in rows)
                                          / max(1, total_pages), 2),
            "texts": rows}


def main(
    shared: Annotated[Path, typer.Option(help="The shared data folder.")] = Path("../shared"),
    corpus: Annotated[list[str], typer.Option(help="hanoi and/or alqac")] = ["hanoi", "alqac"],  # noqa: B006
    embed: Annotated[bool, typer.Option("--embed/--no-embed")] = True,
    out: Annotated[Path, typer.Option()] = RESULTS,
    ocr: Annotated[bool, typer.Option("--ocr/--no-ocr", help="Time OCR of scanned pages too.")] = True,
    ocr_only: Annotated[bool, typer.Option("--ocr-only", help="Only the OCR section.")] = False,
) -> None:
    folders = {"hanoi": shared / "corpus" / "hanoi", "alqac": shared / "benchmarks" / "alqac2023" / "corpus"}
    ocr_result = None
    if ocr or ocr_only:
        console.print("[bold]Benchmarking OCR of scanned pages…[/]")
        ocr_result = bench_ocr(folders["hanoi"])
        console.print(ocr_result)
    if ocr_only:
        payload = json.loads(out.read_text()) if out.exists() else {}
        payload["ocr"] = ocr_result | {"date": time.strftime("%Y-%m-%d %H:%M:%S")}
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(payload, ensure_ascii=False, indent=2))
        console.print(f"Results written to {out}")
        return
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
    if ocr_result:
        payload["ocr"] = ocr_result
    out.write_text(json.dumps(payload, ensure_ascii=False, indent=2))
    console.print(f"Results written to {out}")


if __name__ == "__main__":
    typer.run(main)
