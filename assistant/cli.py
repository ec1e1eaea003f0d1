"""The `assistant` command: ingest, docs, serve, status. Output for people is Vietnamese."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn
from rich.table import Table
from rich.text import Text

from assistant.procedures_cli import procedures_app
from assistant.security.cli import audit_app, keys_app
from assistant.settings import Settings

app = typer.Typer(help="Trợ lý Công vụ — trợ lý tra cứu văn bản pháp luật có trích dẫn.", no_args_is_help=True)
docs_app = typer.Typer(help="Xem và quản lý văn bản trong chỉ mục.", no_args_is_help=True)
app.add_typer(docs_app, name="docs")
app.add_typer(keys_app, name="keys")
app.add_typer(audit_app, name="audit")
app.add_typer(procedures_app, name="procedures")

DEMO_KEY_NAME = "demo page (assistant serve)"
console = Console()
err_console = Console(stderr=True)

STATUS_VI = {
    "added": "[green]đã thêm[/]",
    "updated": "[cyan]đã cập nhật[/]",
    "unchanged": "[dim]không đổi[/]",
    "failed": "[red]lỗi[/]",
    "would-add": "[green]sẽ thêm[/]",
    "would-update": "[cyan]sẽ cập nhật[/]",
}


def _settings(ctx: typer.Context) -> Settings:
    return ctx.obj


def _existing(ctx: typer.Context) -> Settings:
    """The settings of a command that reads the index: it must exist (never create an empty one)."""
    from assistant.security.cli import require_index

    require_index(ctx.obj)
    return ctx.obj


@app.callback()
def main(
    ctx: typer.Context,
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help="Thư mục dữ liệu (chỉ mục).")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    # --data-dir is a path typed in a shell: relative to the folder it is typed in.
    overrides = {"data_dir": data_dir.resolve()} if data_dir else {}
    settings = Settings(**overrides)
    logging.basicConfig(
        level=logging.DEBUG if verbose else getattr(logging, settings.log_level.upper(), logging.INFO),
        format="%(message)s",
        handlers=[RichHandler(console=err_console, show_path=False)],
    )
    for noisy in ("chromadb", "httpx", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    ctx.obj = settings


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else (
        f"{seconds // 60}:{seconds % 60:02d}")


class RateColumn(ProgressColumn):
    """ "3,2 tệp/giây": the task's speed in its own unit (``unit`` field), Vietnamese decimal comma."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        unit = task.fields.get("unit", "mục")
        if not speed:
            return Text(f"— {unit}/giây", style="progress.data.speed")
        shown = f"{speed:.1f}" if speed < 100 else f"{speed:.0f}"
        return Text(f"{shown.replace('.', ',')} {unit}/giây", style="progress.data.speed")


class TimesColumn(ProgressColumn):
    """ "đã chạy 0:42 · còn 1:10" (time left once the speed is known; "xong sau 0:42" at the end)."""

    def render(self, task: Task) -> Text:
        elapsed = task.finished_time if task.finished else task.elapsed
        if task.finished:
            return Text(f"xong sau {_clock(elapsed or 0)}", style="progress.elapsed")
        left = task.time_remaining
        remaining = f"còn {_clock(left)}" if left is not None else "còn —"
        return Text(f"đã chạy {_clock(elapsed or 0)} · {remaining}", style="progress.remaining")


def _progress(get_time: Callable[[], float] | None = None) -> Progress:
    """Progress bars in Vietnamese: what is done, how many of how many, the rate and the time left."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimesColumn(),
        console=err_console,
        transient=False,
        get_time=get_time,
    )


def _run_ingest(settings: Settings, paths: list[Path], *, access: str | None, dry_run: bool, embed: bool, quiet: bool):  # noqa: ANN202
    from assistant.index.store import Index
    from ingest.pipeline import collect_files, ingest_files

    files = collect_files(paths)
    with _progress() as progress:
        if quiet:
            progress.stop()
        task = progress.add_task("Đọc và phân tích văn bản", total=len(files), unit="tệp")

        def on_file(r) -> None:  # noqa: ANN001
            progress.update(task, advance=1, description=f"Văn bản: {r.path.name[:40]}")

        if dry_run:
            results = ingest_files(files, None, settings, access=access, dry_run=True, on_file=on_file)
            return results, None
        index = Index(settings)
        results = ingest_files(files, index, settings, access=access, on_file=on_file)
        progress.update(task, description="Đã nạp văn bản")
        sync = None
        if embed:
            etask = progress.add_task("Tính vector (embedding)", total=None, unit="đoạn")

            def on_embed(done: int, total: int) -> None:
                progress.update(etask, completed=done, total=total)

            from assistant.embeddings import make_embedder

            sync = index.sync_vectors(make_embedder(settings), on_embed)
    return results, sync


@app.command()
def ingest(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Tệp hoặc thư mục văn bản (PDF, DOCX, HTML, TXT, MD).")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Chỉ phân tích, không ghi vào chỉ mục.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON.")] = False,
    access: Annotated[str | None, typer.Option("--access", help="Nhãn truy cập: public, internal, dept:<mã>.")] = None,
    embed: Annotated[bool, typer.Option("--embed/--no-embed", help="Tính vector ngay sau khi nạp.")] = True,
) -> None:
    """Nạp văn bản vào chỉ mục (bỏ qua tệp không đổi, thay thế nguyên khối tệp đã sửa)."""
    settings = _settings(ctx)
    missing = [p for p in paths if not p.exists()]
    for p in missing:
        err_console.print(f"[red]Không tìm thấy đường dẫn:[/] {p}")
    results, sync = _run_ingest(
        settings, [p for p in paths if p.exists()], access=access, dry_run=dry_run, embed=embed, quiet=as_json
    )
    failed = sum(r.failed for r in results) + len(missing)
    if as_json:
        out = {
            "files": [
                {
                    "path": str(r.path),
                    "doc_id": r.doc_id,
                    "status": r.status,
                    "articles": r.articles,
                    "chunks": r.chunks,
                    "units": r.units,
                    "rows": r.rows,
                    "message": r.message,
                    "warnings": r.warnings,
                }
                for r in results
            ],
            "missing": [str(p) for p in missing],
            "embedded": sync.embedded if sync else 0,
            "vectors_deleted": sync.deleted if sync else 0,
            "failed": failed,
        }
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
    else:
        table = Table(title="Kết quả nạp văn bản")
        for col in ("Tệp", "Mã văn bản", "Trạng thái", "Điều/mục", "Đoạn", "Ghi chú"):
            table.add_column(col)
        for r in results:
            note = r.message or "; ".join(r.warnings)
            table.add_row(r.path.name, r.doc_id, STATUS_VI.get(r.status, r.status), str(r.articles or ""),
                          str(r.chunks or ""), note)
        console.print(table)
        counts: dict[str, int] = {}
        for r in results:
            counts[r.status] = counts.get(r.status, 0) + 1
        summary = ", ".join(f"{n} {STATUS_VI.get(s, s)}" for s, n in counts.items()) or "không có tệp nào"
        console.print(f"Tổng cộng {len(results)} tệp: {summary}.")
        if sync:
            console.print(f"Đã tính vector cho {sync.embedded} đoạn; xoá {sync.deleted} vector thừa.")
    raise typer.Exit(1 if failed else 0)


@docs_app.command("list")
def docs_list(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Liệt kê văn bản trong chỉ mục."""
    from assistant.index.store import Index

    docs = Index(_existing(ctx)).list_documents()
    if as_json:
        sys.stdout.write(json.dumps([_doc_dict(d) for d in docs], ensure_ascii=False, indent=2, default=str) + "\n")
        return
    table = Table(title=f"{len(docs)} văn bản")
    for col in ("Mã", "Số hiệu", "Loại", "Cơ quan ban hành", "Ngày ban hành", "Trích yếu"):
        table.add_column(col)
    for d in docs:
        table.add_row(d.id, d.number or "—", d.doc_type or "—", d.issuer or "—", _vn_date(d.issued),
                      (d.title or "")[:60])
    console.print(table)
    if not docs:
        console.print("Chỉ mục đang trống. Dùng lệnh [bold]assistant ingest <thư mục>[/] để nạp văn bản.")


def _vn_date(d) -> str:  # noqa: ANN001
    return d.strftime("%d/%m/%Y") if d else "—"


def _ocr_line(ocr: dict | None) -> str:
    if not ocr:
        return "không (lớp văn bản của tệp)"
    pages = ", ".join(map(str, ocr["pages"]))
    line = f"trang {pages} — {ocr['engine']}, độ tin cậy trung bình {ocr['mean_confidence']:.0f} %"
    if ocr.get("low_confidence_pages"):
        low = ", ".join(f"{p} ({ocr['page_confidence'][str(p)]:.0f} %)" for p in ocr["low_confidence_pages"])
        line += f"; [yellow]dưới ngưỡng {ocr['min_confidence']:.0f} %: trang {low}[/]"
    return line


def _doc_dict(d) -> dict:  # noqa: ANN001 - DocumentRow
    return d.as_dict()


@docs_app.command("show")
def docs_show(
    ctx: typer.Context,
    doc_id: Annotated[str, typer.Argument(help="Mã văn bản.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Xem thông tin và danh sách Điều của một văn bản."""
    from assistant.index.store import Index

    index = Index(_existing(ctx))
    doc = index.get_document(doc_id)
    if doc is None:
        err_console.print(f"[red]Không có văn bản mã[/] {doc_id}. Xem danh sách: assistant docs list")
        raise typer.Exit(1)
    articles = index.get_articles(doc_id)
    if as_json:
        body = _doc_dict(doc) | {
            "articles": [
                {"key": a.key, "part": a.part, "kind": a.kind, "number": a.number, "title": a.title,
                 "heading_path": a.heading_path, "clauses": len(a.clauses)}
                for a in articles
            ]
        }
        sys.stdout.write(json.dumps(body, ensure_ascii=False, indent=2) + "\n")
        return
    console.print(f"[bold]{doc.title or doc.id}[/]")
    for label, value in (
        ("Mã", doc.id),
        ("Số hiệu", doc.number or "—"),
        ("Loại văn bản", doc.doc_type or "—"),
        ("Cơ quan ban hành", doc.issuer or "—"),
        ("Ngày ban hành", _vn_date(doc.issued)),
        ("Ngày hiệu lực", _vn_date(doc.effective) + (f" ({doc.effective_note})" if doc.effective_note else "")),
        ("Ngày hết hiệu lực", _vn_date(doc.expires)),
        ("Thay thế", ", ".join(doc.replaces) or "—"),
        ("Sửa đổi", ", ".join(doc.amends) or "—"),
        ("Truy cập", doc.access),
        ("Tệp nguồn", doc.source_path),
        ("OCR", _ocr_line(doc.ocr)),
    ):
        console.print(f"  {label}: {value}")
    dieu = [a for a in articles if a.kind == "dieu" and a.part == ""]
    others = len(articles) - len(dieu)
    console.print(f"\n{len(dieu)} Điều" + (f", {others} mục/phụ lục khác" if others else ""))
    table = Table(show_header=True)
    for col in ("Phần", "Điều/Mục", "Tiêu đề", "Khoản", "Thuộc"):
        table.add_column(col)
    for a in articles:
        label = f"Điều {a.number}" if a.kind == "dieu" else a.number
        table.add_row(a.part or "chính", label, (a.title or "")[:60], str(sum(1 for c in a.clauses if c.get("number"))),
                      " › ".join(a.heading_path)[:60])
    console.print(table)


@docs_app.command("remove")
def docs_remove(ctx: typer.Context, doc_id: Annotated[str, typer.Argument(help="Mã văn bản.")]) -> None:
    """Xoá một văn bản (và các đoạn, vector của nó) khỏi chỉ mục."""
    from assistant.index.store import Index

    if Index(_existing(ctx)).remove_document(doc_id):
        console.print(f"Đã xoá văn bản {doc_id}.")
    else:
        err_console.print(f"[red]Không có văn bản mã[/] {doc_id}.")
        raise typer.Exit(1)


@app.command()
def status(ctx: typer.Context) -> None:
    """Thống kê chỉ mục."""
    from assistant.index.store import Index

    stats = Index(_existing(ctx)).stats()
    console.print(
        f"Văn bản: {stats['documents']} · Điều/mục: {stats['articles']} · Đoạn: {stats['chunks']} · "
        f"Đã có vector: {stats['embedded']} · Chỉ mục từ vựng: {stats['lexical']}"
    )


def _parse_date(value: str | None, field: str):  # noqa: ANN202
    if not value:
        return None
    from datetime import datetime

    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    err_console.print(f"[red]Ngày không hợp lệ cho {field}:[/] {value} (dùng dd/mm/yyyy hoặc yyyy-mm-dd)")
    raise typer.Exit(2)


@app.command()
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="Câu hỏi hoặc từ khoá.")],
    k: Annotated[int, typer.Option("--k", help="Số điều trả về.")] = 10,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    doc_type: Annotated[list[str] | None, typer.Option("--type", help="Loại văn bản, ví dụ Luật.")] = None,
    issuer: Annotated[list[str] | None, typer.Option("--issuer", help="Cơ quan ban hành.")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="Ban hành từ ngày.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Ban hành đến ngày.")] = None,
    mode: Annotated[str, typer.Option("--mode", help="hybrid, lexical hoặc dense.")] = "hybrid",
) -> None:
    """Tìm các Điều liên quan nhất tới câu hỏi."""
    from assistant.index.store import Index
    from assistant.retrieval.search import Retriever, SearchFilters

    settings = _existing(ctx)
    filters = SearchFilters(doc_types=doc_type or None, issuers=issuer or None,
                            date_from=_parse_date(date_from, "--from"), date_to=_parse_date(date_to, "--to"))
    index = Index(settings)
    if index.stats()["embedded"] == 0 and mode != "lexical":
        mode = "lexical"
        err_console.print("[yellow]Chưa có vector: chỉ tìm theo từ khoá.[/]")
    result = Retriever(index, settings).search(query, k=k, filters=filters, mode=mode)
    if as_json:
        body = {"query": query, "resolved_documents": result.resolved_docs, "confidence": round(result.confidence, 4),
                "timings_ms": {k2: round(v, 2) for k2, v in result.timings_ms.items()},
                "results": [h.as_dict() for h in result.hits]}
        sys.stdout.write(json.dumps(body, ensure_ascii=False, indent=2) + "\n")
        return
    if not result.hits:
        console.print("Không tìm thấy điều nào phù hợp.")
        return
    for i, h in enumerate(result.hits, 1):
        label = f"Điều {h.article_number}" if h.kind == "dieu" else h.article_number
        console.print(f"[bold]{i}. {label}[/] — {h.doc_number or h.doc_id} · {h.doc_title or ''} "
                      f"[dim](điểm {h.score:.3f} · {h.validity.status})[/]")
        console.print("   " + " › ".join(h.heading_path), style="dim")
        console.print("   " + h.text[:300].replace("\n", " ") + ("…" if len(h.text) > 300 else ""))
    t = result.timings_ms
    console.print(f"[dim]Nhúng câu hỏi {t.get('embed_ms', 0):.1f} ms · tìm kiếm {t.get('search_ms', 0):.1f} ms[/]")


@app.command("eval")
def eval_cmd(
    ctx: typer.Context,
    corpus: Annotated[Path, typer.Option("--corpus", help="Thư mục văn bản để lập chỉ mục và đánh giá.")],
    golden: Annotated[Path, typer.Option("--golden", help="Tệp câu hỏi chuẩn (JSONL).")],
    k: Annotated[int, typer.Option("--k")] = 10,
    json_out: Annotated[Path | None, typer.Option("--json", help="Ghi báo cáo JSON vào tệp này.")] = None,
    systems: Annotated[str, typer.Option("--systems", help="ours,lexical,dense,naive_langchain")] = (
        "ours,lexical,dense,naive_langchain"
    ),
    cache_dir: Annotated[Path | None, typer.Option("--cache-dir", help="Thư mục lưu chỉ mục đã dựng.")] = None,
    answers: Annotated[bool, typer.Option("--answers/--no-answers", help="Đánh giá cả câu trả lời.")] = True,
    report_dir: Annotated[Path | None, typer.Option(
        "--report", help="Ghi report.json và report.html (trang HTML tĩnh) vào thư mục này.")] = None,
    compare: Annotated[Path | None, typer.Option(
        "--compare", help="So sánh từng câu hỏi với một report.json cũ.")] = None,
    ragas: Annotated[Path | None, typer.Option(
        "--ragas", help="Xuất bộ dữ liệu định dạng ragas (JSONL: question, answer, contexts, ground_truth).")] = None,
    judge: Annotated[bool, typer.Option(
        "--judge/--no-judge",
        help="Chấm trung thực và đúng trọng tâm bằng LLM (khi có ASSISTANT_LLM_BASE_URL).")] = True,
) -> None:
    """Đánh giá truy hồi (Recall@k, MRR@10, nDCG@10, độ trễ) và câu trả lời (trích dẫn, từ chối, trung thực)."""
    from evals.answer_eval import strip_contexts
    from evals.corpus_cache import cached_settings
    from evals.retrieval_eval import load_golden
    from evals.runner import run_eval

    for p, what in ((corpus, "--corpus"), (golden, "--golden"), (compare, "--compare")):
        if p is not None and not p.exists():
            err_console.print(f"[red]Không tìm thấy {what}:[/] {p}")
            raise typer.Exit(2)
    if ragas and not answers:
        err_console.print("[red]--ragas cần đánh giá câu trả lời (bỏ --no-answers).[/]")
        raise typer.Exit(2)
    try:
        rows = load_golden(golden)
    except ValueError as exc:
        err_console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    old_report = None
    if compare is not None:
        try:
            old_report = json.loads(compare.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            err_console.print(f"[red]Không đọc được báo cáo cũ {compare}:[/] {exc}")
            raise typer.Exit(2) from exc
    settings = cached_settings(_settings(ctx), corpus, cache_dir)
    names = [s.strip() for s in systems.split(",") if s.strip()]
    console.print(f"Chỉ mục đánh giá: {settings.data_dir}")
    results, _ = _run_ingest(settings, [corpus], access=None, dry_run=False, embed=True, quiet=False)
    for r in results:
        if r.failed:
            err_console.print(f"[red]Lỗi:[/] {r.message}")
    use_judge = answers and judge and bool(settings.llm_base_url)
    with _progress() as progress:
        tasks: dict[str, int] = {}
        titles = {"answers": "Đánh giá câu trả lời", "naive": "Baseline LangChain: nhúng đoạn",
                  "judge": "LLM chấm câu trả lời"}

        def on_progress(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = progress.add_task(titles.get(name, f"Đánh giá: {name}"), total=total, unit="câu")
            progress.update(tasks[name], completed=done, total=total)

        report = run_eval(settings, corpus, rows, names, k=k, answers=answers, golden=golden, progress=on_progress,
                          with_contexts=bool(ragas) or use_judge,
                          naive_progress=lambda d, t: on_progress("naive", d, t))
        if answers:
            from evals.llm_judge import judge_answers

            report["answers"]["judge"] = judge_answers(
                report["answers"]["records"], settings, progress=lambda d, t: on_progress("judge", d, t)
            ) if use_judge else None
    if answers and judge and not use_judge:
        from evals.llm_judge import SKIP_NOTE

        report["answers"]["judge"] = {"skipped": SKIP_NOTE}
        console.print(f"[dim]{SKIP_NOTE}[/]")
    if ragas:
        from evals.llm_judge import export_ragas

        n = export_ragas(report["answers"]["records"], ragas)
        console.print(f"Đã xuất {n} dòng định dạng ragas: {ragas}")
    if answers:
        strip_contexts(report["answers"])
    _print_eval(report)
    if "answers" in report:
        _print_answers(report["answers"])
    comparison = None
    if old_report is not None:
        from evals.compare import compare_reports

        comparison = compare_reports(old_report, report)
        _print_compare(comparison, compare)
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        console.print(f"Đã ghi báo cáo: {json_out}")
    if report_dir:
        from evals.report import write_report

        json_path, html_path = write_report(report, report_dir, comparison)
        console.print(f"Đã ghi báo cáo: {json_path} và {html_path}")


def _print_answers(a: dict) -> None:
    table = Table(title=f"Câu trả lời — {a['n']} câu hỏi ({a['unanswerable']} không có căn cứ)")
    for col in ("citation acc.", "citation prec.", "decline acc.", "false declines", "span faithfulness",
                "flagged"):
        table.add_column(col, justify="right")
    table.add_row(*(str(a[k]) for k in ("citation_accuracy", "citation_precision", "decline_accuracy",
                                        "false_decline_rate", "span_faithfulness", "flagged")))
    console.print(table)
    facts = a.get("key_facts") or {}
    if facts.get("n"):
        kt = Table(title=f"Ý chính của đáp án (key facts) — {facts['n']} câu có ý chính"
                         + (f", {facts['without_facts']} câu không trích được" if facts.get("without_facts") else ""))
        for col in ("loại câu hỏi", "n", "facts present", "in first 300 chars", "fully answered", "citation acc."):
            kt.add_column(col, justify="right")
        keys = ("facts_present", "facts_in_head", "fully_answered", "citation_accuracy")
        kt.add_row("tất cả", str(facts["n"]), *(str(facts[k]) for k in keys))
        for name, t in facts.get("by_type", {}).items():
            if t.get("n"):
                kt.add_row(name or "—", str(t["n"]), *(str(t[k]) for k in keys))
        if facts.get("conversations"):
            c = facts["conversations"]
            kt.add_row("hội thoại", str(c["n"]), *(str(c[k]) for k in keys))
        console.print(kt)
    best = a["calibration"]["best"]
    if best:
        console.print(f"Ngưỡng từ chối đề xuất (false declines ≤ {a['calibration']['max_false_decline']}): "
                      f"{best['threshold']} → decline acc. {best['decline_accuracy']}, "
                      f"false declines {best['false_decline_rate']}")
    judge = a.get("judge") or {}
    if judge and not judge.get("skipped"):
        from rich.markup import escape

        calls = judge.get("calls") or {}
        console.print(f"LLM chấm ({escape(str(judge.get('model')))}, {judge.get('judged')} câu trả lời): trung thực "
                      f"{judge.get('faithfulness')}, đúng trọng tâm {judge.get('answer_relevance')} "
                      f"[dim](không đọc được điểm: {calls.get('unparsed', 0)}, lỗi gọi: {calls.get('error', 0)})[/]")


def _print_compare(comp: dict, old_path: Path) -> None:
    from rich.markup import escape

    counts = comp["counts"]
    console.print(f"[bold]So sánh với {escape(str(old_path))}[/] (hệ thống {comp['system']}): "
                  f"[green]{counts['improved']} tốt lên[/], [red]{counts['regressed']} kém đi[/], "
                  f"[yellow]{counts['mixed']} vừa tốt vừa kém[/], {counts['unchanged']} không đổi"
                  + (f", {counts['new']} câu mới" if counts["new"] else "")
                  + (f", {counts['removed']} câu đã bỏ" if counts["removed"] else "") + ".")
    if comp.get("same_golden") is False:
        console.print("[yellow]Lưu ý: hai báo cáo dùng bộ câu hỏi khác nhau.[/]")
    changed = [m for m in comp["metrics"] if m["verdict"] != "unchanged"]
    if changed:
        table = Table(title="Chỉ số thay đổi")
        for col in ("Chỉ số", "Trước", "Sau", "Chênh lệch"):
            table.add_column(col, justify="left" if col == "Chỉ số" else "right")
        for m in changed:
            color = "green" if m["verdict"] == "improved" else "red"
            table.add_row(escape(m["label"]), str(m["old"]), str(m["new"]), f"[{color}]{m['delta']:+.4f}[/]")
        console.print(table)
    aspects = {"rank": "hạng", "declined": "từ chối", "cites_gold": "trích đúng"}
    worse = [q for q in comp["questions"] if q["status"] in ("regressed", "mixed")]
    for q in worse[:10]:
        what = ", ".join(f"{aspects[c['aspect']]} {c['old']}→{c['new']}" for c in q["changes"])
        console.print(f"  [red]{escape(q['id'])}[/] {escape(q['question'][:70])} — {what}")
    if len(worse) > 10:
        console.print(f"  … và {len(worse) - 10} câu khác (xem báo cáo HTML).")


def _print_eval(report: dict) -> None:
    keys = ["recall@1", "recall@3", "recall@5", "recall@10", "mrr@10", "ndcg@10"]
    table = Table(title=f"Truy hồi cấp Điều — {report['answerable']} câu hỏi")
    table.add_column("Hệ thống")
    for key in keys:
        table.add_column(key, justify="right")
    table.add_column("p50/p95 tìm (ms)", justify="right")
    table.add_column("p50 nhúng (ms)", justify="right")
    for name, m in report["systems"].items():
        lat = m["latency_ms"]
        table.add_row(name, *(f"{m[key]:.3f}" for key in keys),
                      f"{lat['search_p50']}/{lat['search_p95']}" if lat["search_p50"] is not None else "—",
                      str(lat["embed_p50"]) if lat["embed_p50"] is not None else "—")
    console.print(table)
    for name, m in report["systems"].items():
        if len(m["by_type"]) > 1:
            t = Table(title=f"{name}: theo loại câu hỏi")
            t.add_column("Loại")
            t.add_column("n", justify="right")
            for key in ("recall@1", "recall@10", "mrr@10"):
                t.add_column(key, justify="right")
            for typ, v in m["by_type"].items():
                t.add_row(typ or "—", str(v["n"]), *(f"{v[key]:.3f}" for key in ("recall@1", "recall@10", "mrr@10")))
            console.print(t)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the service as Ctrl-C does


@app.command()
def serve(
    ctx: typer.Context,
    corpus: Annotated[Path | None, typer.Option("--corpus", help="Thư mục văn bản cần nạp khi khởi động.")] = None,
    host: Annotated[str | None, typer.Option("--host")] = None,
    port: Annotated[int | None, typer.Option("--port")] = None,
    workers: Annotated[int | None, typer.Option(
        "--workers", min=1, help="Số tiến trình phục vụ (uvicorn workers); mặc định ASSISTANT_WORKERS hoặc 1.")] = None,
) -> None:
    """Chạy dịch vụ: nạp văn bản (nếu có), phục vụ ngay khi chỉ mục từ vựng sẵn sàng, tính vector ở nền."""
    # Ctrl-C (SIGINT) and SIGTERM are the normal ways to stop a service: a short message and exit code 0,
    # no traceback and no "Aborted!" — and `make run` then ends without "make: *** Error 130/143".
    # uvicorn shuts down gracefully on either, then raises the signal again once its own handlers are
    # gone: it reaches _interrupt (SIGTERM) or Python's default handler (SIGINT) as a KeyboardInterrupt.
    # (Python's asyncio swallows the repeated SIGINT: uvicorn.run then simply returns.)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        _serve(_settings(ctx), corpus, host, port, workers)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    err_console.print("Đã dừng dịch vụ.")


def _serve(settings: Settings, corpus: Path | None, host: str | None, port: int | None, workers: int | None) -> None:
    import uvicorn

    from assistant.api.app import create_app
    from assistant.api.edge import uvicorn_options
    from assistant.index.store import Index
    from assistant.indexing import IndexingJob

    if corpus:
        settings.corpus_dir = corpus
    if workers:
        settings.workers = workers
    settings.host, settings.port = host or settings.host, port or settings.port
    # Several workers read the index; vectors are written by this process only. The embedded Chroma
    # store is not safe for writes from several processes, so it is filled before the workers start.
    embed_first = settings.workers > 1 and not settings.chroma_url
    if embed_first:
        err_console.print(
            f"[yellow]Cảnh báo:[/] {settings.workers} tiến trình phục vụ dùng chung kho vector Chroma nhúng "
            "(chưa đặt ASSISTANT_CHROMA_URL). Chroma nhúng không an toàn khi nhiều tiến trình cùng ghi: vector "
            "sẽ được tính xong trước khi khởi động các tiến trình phục vụ, và không được chạy "
            "[bold]assistant ingest[/] trong lúc dịch vụ đang chạy. Nên dùng máy chủ Chroma "
            "([bold]chroma run[/]) và ASSISTANT_CHROMA_URL khi chạy nhiều tiến trình."
        )
    index = Index(settings)
    job = IndexingJob(settings, index)
    if settings.corpus_dir:
        if not settings.corpus_dir.exists():
            err_console.print(f"[red]Không tìm thấy thư mục văn bản:[/] {settings.corpus_dir}")
            raise typer.Exit(1)
        with _progress() as progress:
            task = progress.add_task("Nạp văn bản", total=None, unit="tệp")

            def on_file(r) -> None:  # noqa: ANN001
                progress.update(
                    task, advance=1, total=job.state.files_total, description=f"Văn bản: {r.path.name[:40]}"
                )
                if r.failed:
                    err_console.print(f"[red]Lỗi:[/] {r.message}")

            job.ingest_documents([settings.corpus_dir], on_file=on_file)
            if embed_first:
                etask = progress.add_task("Tính vector (embedding)", total=None, unit="đoạn")
                job.embed(on_progress=lambda done, total: progress.update(etask, completed=done, total=total))
        stats = index.stats()
        if embed_first:
            console.print(
                f"Chỉ mục sẵn sàng: {stats['documents']} văn bản, {stats['chunks']} đoạn, "
                f"vector: {stats['embedded']}/{stats['chunks']}."
            )
            if job.state.phase == "error":
                err_console.print("[red]Không tính được vector:[/] dịch vụ chỉ tìm theo từ khoá. "
                                  + "; ".join(job.state.errors[-1:]))
        else:
            console.print(
                f"Chỉ mục từ vựng sẵn sàng: {stats['documents']} văn bản, {stats['chunks']} đoạn. "
                f"Vector: {stats['embedded']}/{stats['chunks']} — phần còn lại được tính ở nền "
                f"(xem http://{settings.host}:{settings.port}/api/status)."
            )
    else:
        job.state.lexical_ready = True
        console.print(
            "Chưa cấu hình thư mục văn bản (ASSISTANT_CORPUS_DIR). Dịch vụ chạy với chỉ mục hiện có; "
            "nạp văn bản bằng: assistant ingest <thư mục>"
        )
    demo_key = None
    if settings.demo_widget_key and not settings.auth_disabled:
        from assistant.security.keys import KeyStore

        bind_host, bind_port = settings.host, settings.port
        origins = [f"http://{bind_host}:{bind_port}"] + (
            [f"http://localhost:{bind_port}"] if bind_host in ("127.0.0.1", "0.0.0.0") else []
        )
        store = KeyStore(index.sessions)
        for old in store.list(include_revoked=False):
            if old.name == DEMO_KEY_NAME:
                store.revoke(old.id)
        demo_key = store.create("widget", DEMO_KEY_NAME, origins=origins).plaintext
        console.print(f"Trang minh hoạ: http://{bind_host}:{bind_port}/ "
                      "(khoá widget chỉ để hỏi đáp, gắn với trang này)")
        first_start_keys(settings, store, ask=typer.confirm if sys.stdin.isatty() and sys.stdout.isatty() else None)
    if settings.workers == 1:
        api = create_app(settings, job=job, embed_on_start=bool(settings.corpus_dir), demo_key=demo_key,
                         warm_up=True, log_queue=True)
        uvicorn.run(api, host=settings.host, port=settings.port, log_level="info", **uvicorn_options())
        return
    _serve_workers(settings, job, demo_key, embed=bool(settings.corpus_dir) and not embed_first)


ADMIN_KEY_OFFERED = ".admin-key-offered"  # in the data directory: the offer is made once


def _command() -> str:
    """How the operator started this command, for the hints it prints (".venv/bin/assistant")."""
    argv0 = Path(sys.argv[0])
    if argv0.name != "assistant":
        return "assistant"
    try:
        return str(argv0.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(argv0)


def first_start_keys(settings: Settings, store, ask=None) -> None:  # noqa: ANN001 - KeyStore, confirm(prompt)
    """No admin key yet: say how to make keys; in a terminal (``ask``), offer once to make the admin key."""
    from assistant.security.keys import utcnow

    now = utcnow()
    if any(k.role == "admin" and not (k.expires_at and k.expires_at <= now) for k in store.list(include_revoked=False)):
        return
    cmd = _command()
    console.print(
        "[bold]Chưa có khoá quản trị.[/] Mọi API trừ /healthz, /readyz và trang minh hoạ cần một khoá "
        "(tiêu đề Authorization: Bearer <khoá>). Tạo khoá — khoá chỉ hiện một lần:\n"
        f"  {cmd} keys create --role admin --name \"Quản trị\"\n"
        f"  {cmd} keys create --role staff --name \"Sở Nội vụ\""
    )
    offered = settings.data_dir / ADMIN_KEY_OFFERED
    if ask is None or offered.exists():
        return
    offered.parent.mkdir(parents=True, exist_ok=True)
    offered.touch()
    if ask("Tạo ngay một khoá quản trị?", default=True):
        key = store.create("admin", "Quản trị (tạo khi khởi động lần đầu)")
        console.print(f"Khoá quản trị [bold]{key.id}[/] (chỉ hiện lần này, hãy lưu lại):\n  {key.plaintext}")


def _serve_workers(settings: Settings, job, demo_key: str | None, embed: bool) -> None:  # noqa: ANN001 - IndexingJob
    """uvicorn with N worker processes, each building its app from the environment; this process
    stays the only writer of vectors (in a thread, against a Chroma server)."""
    import uvicorn

    from assistant.api.edge import uvicorn_options
    from assistant.api.main import DEMO_KEY_ENV, PARENT_STATE_ENV
    from assistant.api.metrics import MULTIPROC_DIR_ENV

    for name in Settings.model_fields:
        os.environ.pop(f"ASSISTANT_{name.upper()}", None)
    os.environ.update(settings.to_env())
    if demo_key:
        os.environ[DEMO_KEY_ENV] = demo_key
    else:
        os.environ.pop(DEMO_KEY_ENV, None)
    # A new directory for every run. prometheus_client's multiprocess mode: the workers (spawned, so they
    # import prometheus_client after this is set) write their metrics in metrics/ and /metrics sums them;
    # files left by an earlier run would be added to this run's totals. indexing.json: this process's
    # progress (failed files, embedding errors, next retry) for the workers' /api/status.
    run_dir = Path(tempfile.mkdtemp(prefix="assistant-serve-"))
    (run_dir / "metrics").mkdir()
    os.environ[MULTIPROC_DIR_ENV] = str(run_dir / "metrics")
    job.state_file = run_dir / "indexing.json"
    os.environ[PARENT_STATE_ENV] = str(job.state_file)
    job.publish()
    if embed:
        job.embed_in_background()
    else:
        job.index.engine.dispose()
    console.print(f"Khởi động {settings.workers} tiến trình phục vụ trên http://{settings.host}:{settings.port}/")
    try:
        uvicorn.run("assistant.api.main:app_factory", factory=True, workers=settings.workers, host=settings.host,
                    port=settings.port, log_level="info", **uvicorn_options())
    finally:
        job.stop()
        shutil.rmtree(run_dir, ignore_errors=True)


if __name__ == "__main__":
    app()
