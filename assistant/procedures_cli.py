"""`assistant procedures list|show` — procedure cards in the terminal (rich tables, Vietnamese headers)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ingest.procedures import ProcedureCard

procedures_app = typer.Typer(help="Tra cứu thủ tục hành chính (thẻ thủ tục) trong chỉ mục.", no_args_is_help=True)
console = Console()
err_console = Console(stderr=True)

CHANNELS_VI = {"truc_tiep": "Trực tiếp", "buu_chinh": "Bưu chính", "truc_tuyen": "Trực tuyến"}
COPY_VI = {"ban_chinh": "Bản chính", "ban_sao": "Bản sao", "ban_chinh_hoac_ban_sao": "Bản chính hoặc bản sao"}


def _index(ctx: typer.Context):  # noqa: ANN202
    from assistant.index.store import Index

    return Index(ctx.obj)


def deadline_vi(card: ProcedureCard) -> str:
    d = card.deadline
    if d is None:
        return "—"
    if d.days is None:
        return d.text
    n = f"{d.days:g}"
    return f"{n} ngày làm việc" if d.working_days else f"{n} ngày"


@procedures_app.command("list")
def procedures_list(
    ctx: typer.Context,
    q: Annotated[str | None, typer.Option("--q", help="Từ khoá: tên, lĩnh vực hoặc mã thủ tục.")] = None,
    field: Annotated[str | None, typer.Option("--linh-vuc", help="Lọc theo lĩnh vực.")] = None,
    authority: Annotated[str | None, typer.Option("--co-quan", help="Lọc theo cơ quan giải quyết.")] = None,
    limit: Annotated[int, typer.Option("--limit")] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Liệt kê thủ tục hành chính (xếp theo mức khớp khi có --q)."""
    from assistant.index.procedures import search_procedures

    index = _index(ctx)
    with index.sessions() as s:
        hits = search_procedures(s, q, field=field, authority=authority, labels=None, limit=limit)
    if as_json:
        cards = [h.card.model_dump(mode="json") for h in hits]
        sys.stdout.write(json.dumps(cards, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=f"{len(hits)} thủ tục")
    for col in ("Mã TTHC", "Tên thủ tục", "Lĩnh vực", "Cơ quan giải quyết", "Thời hạn", "Văn bản"):
        table.add_column(col)
    for h in hits:
        c = h.card
        table.add_row(c.code.text if c.code else "—", c.name.text[:80], c.field.text if c.field else "—",
                      "; ".join(a.body for a in c.authorities) or "—", deadline_vi(c), c.doc_id)
    console.print(table)
    if not hits:
        console.print("Không có thủ tục nào khớp." if q else "Chưa có thẻ thủ tục nào trong chỉ mục.")


@procedures_app.command("show")
def procedures_show(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Mã TTHC, ví dụ 1.012644.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Xem thẻ thủ tục: hồ sơ, nơi nộp, thời hạn, quy trình, phí, căn cứ — mỗi dòng kèm nơi trích."""
    from assistant.index.procedures import get_procedure

    index = _index(ctx)
    with index.sessions() as s:
        hit = get_procedure(s, code, None)
    if hit is None:
        err_console.print(f"[red]Không có thủ tục mã[/] {code}. Xem danh sách: assistant procedures list")
        raise typer.Exit(1)
    c = hit.card
    if as_json:
        sys.stdout.write(json.dumps(c.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n")
        return

    def where(span) -> str:  # noqa: ANN001
        return f"{span.article_key or '—'} [{span.start}–{span.end}]"

    info = Table(title=f"{c.code.text if c.code else ''} {c.name.text}", show_header=True)
    info.add_column("Mục")
    info.add_column("Nội dung")
    info.add_column("Nguồn", style="dim")
    info.add_row("Văn bản", c.doc_id, "")
    info.add_row("Lĩnh vực", c.field.text if c.field else "—", where(c.field.span) if c.field else "")
    if c.symbol:
        info.add_row("Ký hiệu", c.symbol.text, where(c.symbol.span))
    info.add_row("Tình trạng", "Bị bãi bỏ" if c.status.value == "bai_bo" else "Đang công bố", "")
    for a in c.authorities:
        by = f" (được {a.delegated_from} ủy quyền)" if a.delegated_from else ""
        info.add_row("Cơ quan giải quyết", a.body + by, where(a.span))
    info.add_row("Thời hạn giải quyết", deadline_vi(c), where(c.deadline.span) if c.deadline else "")
    for ch in c.channels:
        label = CHANNELS_VI.get(ch.channel.value, "") if ch.channel else ""
        where_to = " — ".join(x for x in (label, ch.address or ch.url or ch.text) if x)
        info.add_row("Cách thức nộp", where_to, where(ch.span))
    for p in c.places:
        info.add_row("Địa điểm", p.text, where(p.span))
    if c.fee:
        info.add_row("Phí, lệ phí", c.fee.text, where(c.fee.span))
    for b in c.legal_basis:
        info.add_row("Căn cứ pháp lý", b.text[:160], where(b.span))
    console.print(info)
    if c.dossier:
        t = Table(title="Thành phần hồ sơ")
        for col in ("STT", "Tên hồ sơ", "Bản chính/bản sao", "Số lượng", "Nguồn"):
            t.add_column(col)
        for n, d in enumerate(c.dossier, 1):
            t.add_row(str(n), d.name, COPY_VI.get(d.copy_kind.value, "") if d.copy_kind else "—",
                      str(d.quantity) if d.quantity is not None else "—", where(d.span))
        console.print(t)
    if c.steps:
        t = Table(title="Quy trình giải quyết")
        for col in ("Bước", "Đơn vị/người thực hiện", "Nội dung công việc", "Thời hạn"):
            t.add_column(col)
        for st in c.steps:
            t.add_row(st.label, st.unit or "—", (st.work or "—")[:100], st.duration or "—")
        console.print(t)
    for w in c.warnings:
        console.print(f"[yellow]Cảnh báo:[/] {w.message}")
