"""The full evaluation run whose results are committed under evals/results/.

    .venv/bin/python -m evals.run_full [--only hanoi_dev --only …] [--no-answers] [--out evals/results]

Runs, each on its cached index (data/eval-cache/…; built and embedded on first use):
  * hanoi_dev    — Hà Nội corpus, evals/golden/hanoi_dev.jsonl, all four systems, answers;
  * hanoi_frozen — Hà Nội corpus, evals/golden/hanoi_frozen.jsonl, all four systems, answers;
  * alqac_dev    — ALQAC 2023 corpus and dev.jsonl from ../shared/benchmarks, all four systems, answers.

Writes ``<out>/<name>/report.json`` and ``report.html`` (compared with the previous report.json of the
same name when there is one) and ``<out>/full_run.json`` with the headline numbers of every run.
The ALQAC reports are redacted (no question, answer or gold text): the benchmark is competition data
that must not be copied into the project. naive_langchain embeds its own chunks on first use (slow)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.gate import resolve
from evals.runner import ROOT

ALL_SYSTEMS = ["ours", "rules", "lexical", "dense", "naive_langchain"]


@dataclass(frozen=True)
class Run:
    name: str
    corpus: str
    golden: str
    systems: tuple[str, ...] = tuple(ALL_SYSTEMS)
    redact: bool = False


RUNS = (
    Run("hanoi_dev", "../shared/corpus/hanoi", "evals/golden/hanoi_dev.jsonl"),
    Run("hanoi_frozen", "../shared/corpus/hanoi", "evals/golden/hanoi_frozen.jsonl"),
    Run("alqac_dev", "../shared/benchmarks/alqac2023/corpus", "../shared/benchmarks/alqac2023/dev.jsonl",
        redact=True),
)
HEADLINE = ("recall@1", "recall@10", "mrr@10", "ndcg@10")
ANSWER_HEADLINE = ("citation_accuracy", "citation_precision", "decline_accuracy", "false_decline_rate",
                   "span_faithfulness")


def redact(report: dict[str, Any]) -> dict[str, Any]:
    """Drop the benchmark's own texts (questions, gold, reference answers) and our answer texts."""
    for pq in (report.get("per_question") or {}).values():
        pq["question"] = ""
        pq["gold"] = []
    for rec in (report.get("answers") or {}).get("records", []):
        rec["question"] = ""
        rec["answer"] = ""
        rec["gold"] = []
    report["redacted"] = True
    return report


def headline(report: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "questions": report.get("questions"), "answerable": report.get("answerable"),
        "systems": {name: {key: m.get(key) for key in HEADLINE} | {"search_p50_ms": m["latency_ms"]["search_p50"]}
                    for name, m in (report.get("systems") or {}).items()},
    }
    if report.get("answers"):
        out["answers"] = {key: report["answers"].get(key) for key in ANSWER_HEADLINE}
    return out


def run_one(run: Run, out_dir: Path, answers: bool, console: Any) -> dict[str, Any]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from evals.compare import compare_reports
    from evals.report import write_report
    from evals.retrieval_eval import load_golden
    from evals.runner import ensure_index, index_settings, run_eval

    corpus, golden = resolve(run.corpus), resolve(run.golden)
    settings = index_settings(corpus)
    console.print(f"[bold]{run.name}[/]: {golden} trên {corpus} — chỉ mục {settings.data_dir}")
    failed = [r.message for r in ensure_index(settings, corpus) if r.failed]
    for m in failed:
        console.print(f"[red]Lỗi nạp văn bản:[/] {m}")
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as progress:
        tasks: dict[str, Any] = {}

        def on_progress(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = progress.add_task(f"{run.name}: {name}", total=total)
            progress.update(tasks[name], completed=done, total=total)

        report = run_eval(settings, corpus, load_golden(golden), list(run.systems), answers=answers, golden=golden,
                          progress=on_progress, naive_progress=lambda d, t: on_progress("naive (nhúng)", d, t))
    if run.redact:
        redact(report)
    target = out_dir / run.name
    previous = target / "report.json"
    comparison = None
    if previous.exists():
        comparison = compare_reports(json.loads(previous.read_text(encoding="utf-8")), report)
    write_report(report, target, comparison)
    console.print(f"Đã ghi {target / 'report.html'}")
    return headline(report)


def main(argv: list[str] | None = None) -> int:
    from rich.console import Console

    parser = argparse.ArgumentParser(prog="python -m evals.run_full", description="Chạy đánh giá đầy đủ.")
    parser.add_argument("--only", action="append", choices=[r.name for r in RUNS], help="Chỉ chạy lần này")
    parser.add_argument("--no-answers", action="store_true", help="Không đánh giá câu trả lời")
    parser.add_argument("--out", type=Path, default=ROOT / "evals" / "results")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    console = Console()
    summary_path = args.out / "full_run.json"
    summary = json.loads(summary_path.read_text(encoding="utf-8")) if summary_path.exists() else {"runs": {}}
    started = time.perf_counter()
    for run in RUNS:
        if args.only and run.name not in args.only:
            continue
        if not resolve(run.corpus).exists() or not resolve(run.golden).exists():
            console.print(f"[yellow]Bỏ qua {run.name}: không tìm thấy {run.corpus} hoặc {run.golden}[/]")
            continue
        summary["runs"][run.name] = headline_entry = run_one(run, args.out, not args.no_answers, console)
        headline_entry.update(corpus=run.corpus, golden=run.golden,
                              generated_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
        args.out.mkdir(parents=True, exist_ok=True)
        summary_path.write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    console.print(f"Xong sau {time.perf_counter() - started:.0f} giây: {summary_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
