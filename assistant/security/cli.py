"""`assistant keys …` and `assistant audit …`: registered on the main command in assistant/cli.py."""

from __future__ import annotations

import json
import re
import sys
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from assistant.settings import Settings

keys_app = typer.Typer(help="Quản lý khoá API: tạo, liệt kê, thu hồi.", no_args_is_help=True)
audit_app = typer.Typer(help="Nhật ký truy vấn (audit): xuất theo khoảng thời gian.", no_args_is_help=True)

console = Console()
err_console = Console(stderr=True)

ROLE_VI = {"admin": "quản trị", "staff": "cán bộ", "widget": "widget"}


def require_index(settings: Settings) -> None:
    """Commands that read must not create an empty index where none is (a wrong data directory)."""
    if not settings.has_index():
        err_console.print(
            f"[red]Không có chỉ mục tại[/] {settings.data_dir} — kiểm tra ASSISTANT_DATA_DIR hoặc --data-dir "
            "(đường dẫn tương đối tính từ thư mục dự án). Chỉ mục được tạo khi chạy make run, "
            "assistant serve hoặc assistant ingest.")
        raise typer.Exit(1)


def _sessions(ctx: typer.Context, *, create: bool = False):  # noqa: ANN202 - sessionmaker
    from assistant.index.store import Index

    settings: Settings = ctx.obj
    if not create:
        require_index(settings)
    return Index(settings).sessions


def _when(d: datetime | None) -> str:
    return d.strftime("%d/%m/%Y %H:%M") + " UTC" if d else "—"


@keys_app.command("create")
def keys_create(
    ctx: typer.Context,
    role: Annotated[str, typer.Option("--role", help="admin, staff hoặc widget.")],
    name: Annotated[str, typer.Option("--name", help="Tên gợi nhớ: người dùng, hệ thống hoặc trang nhúng.")],
    scopes: Annotated[str | None, typer.Option(
        "--scopes", help="Phạm vi văn bản thêm, ví dụ public,internal,dept:snv.")] = None,
    origins: Annotated[str | None, typer.Option(
        "--origins", help="Khoá widget: các nguồn trang được nhúng, ví dụ https://noibo.hanoi.gov.vn.")] = None,
    expires_in: Annotated[str | None, typer.Option(
        "--expires-in", help="Hết hạn sau số ngày này, ví dụ 90d hoặc 30d.")] = None,
    expires: Annotated[str | None, typer.Option(
        "--expires", help="Dùng được đến hết ngày này (UTC), ví dụ 2027-01-31.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON.")] = False,
) -> None:
    """Tạo khoá API. Khoá chỉ hiển thị MỘT lần: hãy lưu lại ngay."""
    from assistant.security.keys import KeyStore

    expires_at = _expiry(expires_in, expires)
    try:
        key = KeyStore(_sessions(ctx, create=True)).create(role.strip().lower(), name, scopes, origins,
                                                            expires_at=expires_at)
    except ValueError as exc:
        err_console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    if as_json:
        sys.stdout.write(json.dumps({"id": key.id, "key": key.plaintext, "role": key.role.value, "name": key.name,
                                     "scopes": key.scopes, "origins": key.origins, "expires_at": _iso(key.expires_at)},
                                    ensure_ascii=False) + "\n")
        return
    console.print(f"Đã tạo khoá [bold]{key.id}[/] ({ROLE_VI[key.role.value]}) — {key.name}")
    if key.scopes:
        console.print(f"  Phạm vi văn bản thêm: {', '.join(key.scopes)}")
    if key.origins:
        console.print(f"  Nguồn trang được phép: {', '.join(key.origins)}")
    console.print(f"  Hết hạn: {_when(key.expires_at)}" if key.expires_at else "  Không có hạn dùng.")
    console.print("Khoá API (chỉ hiển thị một lần, hãy lưu lại ngay):")
    # Plain print: no wrapping or markup in the middle of the key.
    print(key.plaintext)


@keys_app.command("list")
def keys_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON.")] = False,
    active: Annotated[bool, typer.Option("--active", help="Chỉ các khoá còn hiệu lực.")] = False,
) -> None:
    """Liệt kê khoá API (không bao giờ hiển thị khoá, chỉ mã khoá)."""
    from assistant.security.keys import KeyStore, utcnow

    rows = KeyStore(_sessions(ctx)).list(include_revoked=not active)
    now = utcnow()
    if as_json:
        out = [{"id": r.id, "name": r.name, "role": r.role, "scopes": r.scopes, "origins": r.origins,
                "created_at": r.created_at.isoformat(), "last_used_at": _iso(r.last_used_at),
                "revoked_at": _iso(r.revoked_at), "expires_at": _iso(r.expires_at),
                "expired": bool(r.expires_at and r.expires_at <= now)}
               for r in rows]
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
        return
    if not rows:
        console.print("Chưa có khoá API nào. Tạo khoá: assistant keys create --role staff --name \"…\"")
        return
    console.print(keys_table(rows, now, wide=console.width >= 140))


def _short(d: datetime | None) -> str:
    return d.strftime("%d/%m/%y") if d else "—"


def keys_table(rows: list, now: datetime, *, wide: bool) -> Table:  # rows: ApiKeyRow
    """One line per key on an 80-column terminal: the id whole, dates short, scopes and origins in one
    column, the expiry in the state; every date in full when the terminal is wide."""
    when = _when if wide else _short
    table = Table(title=f"{len(rows)} khoá API", box=None if not wide else box.HEAVY_HEAD, pad_edge=False)
    table.add_column("Mã khoá", no_wrap=True)
    table.add_column("Tên", overflow="fold", ratio=2)
    table.add_column("Vai trò", no_wrap=True)
    table.add_column("Phạm vi", overflow="fold", ratio=2)
    if wide:
        table.add_column("Tạo lúc", no_wrap=True)
    table.add_column("Dùng gần nhất", no_wrap=True)
    table.add_column("Hiệu lực / Hết hạn", overflow="fold", ratio=1)
    for r in rows:
        if r.revoked_at:
            state = f"[red]thu hồi {when(r.revoked_at)}[/]"
        elif r.expires_at and r.expires_at <= now:
            state = f"[red]đã hết hạn {when(r.expires_at)}[/]"
        elif r.expires_at:
            state = f"[green]hiệu lực[/] đến {when(r.expires_at)}"
        else:
            state = "[green]hiệu lực[/], không hết hạn"
        reach = ", ".join([*(r.scopes or []), *(r.origins or [])]) or "—"
        cells = [r.id, r.name, ROLE_VI.get(r.role, r.role), reach]
        if wide:
            cells.append(when(r.created_at))
        table.add_row(*cells, when(r.last_used_at), state)
    return table


@keys_app.command("revoke")
def keys_revoke(ctx: typer.Context, key_id: Annotated[str, typer.Argument(help="Mã khoá (xem: assistant keys list).")]
                ) -> None:
    """Thu hồi một khoá API: mọi yêu cầu dùng khoá này bị từ chối ngay."""
    from assistant.security.keys import KeyStore

    if KeyStore(_sessions(ctx)).revoke(key_id.strip()):
        console.print(f"Đã thu hồi khoá {key_id}.")
    else:
        err_console.print(f"[red]Không có khoá đang hiệu lực với mã[/] {key_id}.")
        raise typer.Exit(1)


def _iso(d: datetime | None) -> str | None:
    return d.isoformat() if d else None  # naive UTC, as created_at


_DAYS = re.compile(r"(\d{1,5})\s*(?:d|ngày)?", re.IGNORECASE)


def _expiry(expires_in: str | None, expires: str | None) -> datetime | None:
    """``--expires-in 90d`` → now + 90 days; ``--expires 2027-01-31`` → the end of that day (UTC)."""
    from assistant.security.keys import utcnow

    if expires_in and expires:
        err_console.print("[red]Chỉ dùng một trong hai tuỳ chọn --expires-in hoặc --expires.[/]")
        raise typer.Exit(2)
    if expires_in:
        m = _DAYS.fullmatch(expires_in.strip())
        if not m or int(m.group(1)) < 1:
            err_console.print(f"[red]Thời hạn không hợp lệ cho --expires-in:[/] {expires_in} (số ngày, ví dụ 90d)")
            raise typer.Exit(2)
        return utcnow().replace(microsecond=0) + timedelta(days=int(m.group(1)))
    if expires:
        end = _day(expires, "--expires") + timedelta(days=1, seconds=-1)
        if end <= utcnow():
            err_console.print(f"[red]Ngày hết hạn đã qua:[/] {expires}")
            raise typer.Exit(2)
        return end
    return None


def _day(value: str, option: str) -> datetime:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.combine(datetime.strptime(value, fmt).date(), time.min)
        except ValueError:
            continue
    err_console.print(f"[red]Ngày không hợp lệ cho {option}:[/] {value} (dùng yyyy-mm-dd hoặc dd/mm/yyyy)")
    raise typer.Exit(2)


@audit_app.command("export")
def audit_export(
    ctx: typer.Context,
    since: Annotated[str, typer.Option("--since", help="Từ ngày (UTC), ví dụ 2026-01-01.")],
    until: Annotated[str | None, typer.Option("--until", help="Đến hết ngày (UTC).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv hoặc jsonl.")] = "csv",
    out: Annotated[Path | None, typer.Option("--out", help="Ghi vào tệp này (mặc định: màn hình).")] = None,
) -> None:
    """Xuất nhật ký truy vấn (ai hỏi gì, lúc nào, điều nào được truy hồi/trích dẫn); dữ liệu cá nhân đã được che."""
    from assistant.security.audit import AuditLog, write_events

    fmt = fmt.strip().lower()
    if fmt not in ("csv", "jsonl"):
        err_console.print(f"[red]Định dạng không hỗ trợ:[/] {fmt} (csv hoặc jsonl)")
        raise typer.Exit(2)
    start = _day(since, "--since")
    end = _day(until, "--until") + timedelta(days=1) if until else None
    settings: Settings = ctx.obj
    audit = AuditLog(_sessions(ctx), mask=settings.mask_pii)
    rows = audit.events(since=start, until=end)
    if out is None:
        n = write_events(rows, sys.stdout, fmt, mask=settings.mask_pii)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8", newline="") as f:
            n = write_events(rows, f, fmt, mask=settings.mask_pii)
    err_console.print(f"Đã xuất {n} bản ghi nhật ký" + (f" vào {out}." if out else "."))
