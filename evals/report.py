"""The eval report as one self-contained static HTML page (Vietnamese; inline CSS and SVG, no scripts).

``render_html(report, comparison=None)`` turns the dict of `assistant eval` into the page;
``write_report(report, out_dir, comparison=None)`` writes ``report.json`` and ``report.html``.
Every piece of data (questions, answers, names from the report) goes through ``esc``."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

SYSTEM_LABELS = {
    "ours": "Hệ thống (ours)",
    "lexical": "Từ khoá (lexical)",
    "dense": "Vector (dense)",
    "naive_langchain": "LangChain cơ bản",
}
SYSTEM_COLORS = {"ours": "#1f5fbf", "lexical": "#d9822b", "dense": "#2f9e6a", "naive_langchain": "#8e5cc4"}
EXTRA_COLORS = ("#c0392b", "#7f8c8d", "#16a085", "#b7950b")
TYPE_LABELS = {
    "explicit": "Dẫn chiếu rõ Điều",
    "paraphrase": "Diễn đạt lại",
    "keyword": "Từ khoá",
    "procedure": "Thủ tục",
    "numbers_dates": "Số liệu, thời hạn",
    "validity": "Hiệu lực",
    "multi_article": "Nhiều Điều",
    "unanswerable": "Không có căn cứ",
    "": "(không phân loại)",
}
STATUS_LABELS = {"improved": "Tốt lên", "regressed": "Kém đi", "mixed": "Vừa tốt vừa kém", "unchanged": "Không đổi",
                 "new": "Câu hỏi mới", "removed": "Đã bỏ"}
ASPECT_LABELS = {"rank": "Hạng căn cứ đúng", "declined": "Từ chối", "cites_gold": "Trích đúng căn cứ"}
RETRIEVAL_KEYS = ("recall@1", "recall@3", "recall@5", "recall@10", "mrr@10", "ndcg@10")
RECALL_KS = (1, 3, 5, 10)
WORST_LIMIT = 15

CSS = """
:root { --ink:#1d2433; --muted:#5b6577; --line:#d8dde6; --bg:#f5f7fa; --card:#fff; --good:#2f9e6a;
  --bad:#c0392b; --accent:#1f5fbf; }
* { box-sizing: border-box; }
body { margin:0; font: 14px/1.5 "Noto Sans", "DejaVu Sans", "Segoe UI", Arial, sans-serif; color:var(--ink);
  background:var(--bg); }
header { background:#17325c; color:#fff; padding:20px 32px; }
header h1 { margin:0 0 4px; font-size:22px; }
header p { margin:0; opacity:.85; }
main { max-width:1200px; margin:0 auto; padding:16px 32px 48px; }
section { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:16px 20px; margin:16px 0; }
h2 { font-size:18px; margin:0 0 12px; color:#17325c; }
h3 { font-size:15px; margin:16px 0 8px; }
table { border-collapse:collapse; width:100%; font-variant-numeric: tabular-nums; }
th, td { border-bottom:1px solid var(--line); padding:5px 8px; text-align:left; vertical-align:top; }
th { background:#eef2f8; font-weight:600; }
td.num, th.num { text-align:right; white-space:nowrap; }
td.best { font-weight:700; color:var(--accent); }
tr.ours td:first-child { font-weight:700; }
.meta { display:grid; grid-template-columns: 230px 1fr; gap:4px 16px; }
.meta div:nth-child(odd) { color:var(--muted); }
.cards { display:flex; flex-wrap:wrap; gap:12px; }
.card { border:1px solid var(--line); border-radius:6px; padding:10px 14px; flex:1 1 170px; max-width:270px;
  background:#fbfcfe; }
.card .v { font-size:22px; font-weight:700; }
.card .l { color:var(--muted); font-size:12px; }
.charts { display:flex; flex-wrap:wrap; gap:20px; align-items:flex-start; }
figure { margin:0; }
figcaption { color:var(--muted); font-size:12px; margin-top:4px; max-width:560px; }
svg text { font-family: inherit; }
.legend { display:flex; flex-wrap:wrap; gap:12px; font-size:12px; margin:4px 0; }
.legend span::before { content:""; display:inline-block; width:12px; height:12px; margin-right:4px;
  vertical-align:-2px; background:var(--c); border-radius:2px; }
.cm td { text-align:center; font-size:16px; padding:10px; min-width:110px; }
.cm td.ok { background:#e3f4ea; } .cm td.ko { background:#fbe5e2; }
.cm small { display:block; color:var(--muted); font-size:11px; }
.fail { border-top:1px solid var(--line); padding:10px 0; }
.fail:first-of-type { border-top:none; }
.fail .q { font-weight:600; margin:2px 0; }
.fail .cols { display:grid; grid-template-columns: minmax(0, 5fr) minmax(0, 6fr); gap:16px; }
figure.narrow { max-width:380px; }
.tag { display:inline-block; padding:0 6px; border-radius:4px; font-size:12px; background:#eef2f8; color:var(--muted);
  margin-right:4px; }
.tag.bad { background:#fbe5e2; color:var(--bad); } .tag.good { background:#e3f4ea; color:var(--good); }
ol.top { margin:4px 0; padding-left:22px; } ol.top li.gold { color:var(--good); font-weight:600; }
.answer { white-space:pre-wrap; background:#f7f8fb; border-left:3px solid var(--line); padding:6px 10px; margin:6px 0;
  font-size:13px; }
.muted { color:var(--muted); }
.improved { color:var(--good); } .regressed { color:var(--bad); } .mixed { color:#b7950b; }
details summary { cursor:pointer; color:var(--accent); }
code { font-family: "DejaVu Sans Mono", monospace; font-size:12px; }
"""


def esc(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def fmt(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, int | float):
        return f"{value:.{digits}f}"
    return esc(value)


def pct(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{100 * value:.1f} %".replace(".", ",")


def vn_datetime(iso: str | None) -> str:
    if not iso:
        return "—"
    try:
        return datetime.fromisoformat(iso).strftime("%d/%m/%Y %H:%M")
    except ValueError:
        return iso


def system_color(name: str, i: int = 0) -> str:
    return SYSTEM_COLORS.get(name, EXTRA_COLORS[i % len(EXTRA_COLORS)])


def system_label(name: str) -> str:
    return SYSTEM_LABELS.get(name, name)


def type_label(t: str) -> str:
    return TYPE_LABELS.get(t, t)


def gold_label(gold: Sequence[dict[str, Any]]) -> str:
    return "; ".join(f"{g.get('doc')} · Điều {g['article']}" if g.get("article") not in (None, "")
                     else f"{g.get('doc')} (cả văn bản)" for g in gold) or "—"


# -- SVG charts ---------------------------------------------------------------------------------------
def _nice_max(v: float) -> float:
    if v <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(v))
    for m in (1, 2, 2.5, 5, 10):
        if v <= m * exp:
            return m * exp
    return 10 * exp


def line_chart(series: list[tuple[str, str, list[tuple[float, float]]]], *, x_ticks: Sequence[float],
               x_label: str, y_label: str, y_max: float = 1.0, y_min: float = 0.0, width: int = 540,
               height: int = 320,
               markers: Sequence[tuple[float, str, str]] = (), title: str = "", step: bool = False) -> str:
    """An SVG line chart; ``series`` = (label, colour, points); ``markers`` = vertical lines (x, label, colour)."""
    left, right, top, bottom = 52, 16, 28 if title else 14, 44
    pw, ph = width - left - right, height - top - bottom
    x_min, x_max = min(x_ticks), max(x_ticks)
    span = (x_max - x_min) or 1.0

    def sx(x: float) -> float:
        return left + (x - x_min) / span * pw

    def sy(y: float) -> float:
        return top + ph - (min(max(y, y_min), y_max) - y_min) / (y_max - y_min) * ph

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="{esc(title or y_label)}">']
    if title:
        out.append(f'<text x="{left}" y="16" font-size="13" font-weight="600">{esc(title)}</text>')
    for i in range(6):
        y = y_min + (y_max - y_min) * i / 5
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{sy(y):.1f}" y2="{sy(y):.1f}" stroke="#e3e7ee"/>')
        out.append(f'<text x="{left - 6}" y="{sy(y) + 4:.1f}" font-size="11" text-anchor="end" '
                   f'fill="#5b6577">{y:.2f}</text>')
    for x in x_ticks:
        out.append(f'<line x1="{sx(x):.1f}" x2="{sx(x):.1f}" y1="{top + ph}" y2="{top + ph + 4}" stroke="#5b6577"/>')
        out.append(f'<text x="{sx(x):.1f}" y="{top + ph + 17}" font-size="11" text-anchor="middle" '
                   f'fill="#5b6577">{x:g}</text>')
    out.append(f'<line x1="{left}" x2="{left + pw}" y1="{top + ph}" y2="{top + ph}" stroke="#5b6577"/>')
    out.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + ph}" stroke="#5b6577"/>')
    out.append(f'<text x="{left + pw / 2:.1f}" y="{height - 6}" font-size="12" text-anchor="middle">'
               f'{esc(x_label)}</text>')
    out.append(f'<text transform="translate(13 {top + ph / 2:.1f}) rotate(-90)" font-size="12" '
               f'text-anchor="middle">{esc(y_label)}</text>')
    for j, (x, label, color) in enumerate(markers):
        if x_min <= x <= x_max:
            # labels stagger downwards and flip to the left of the line near the right edge
            anchor, dx = ("end", -4) if sx(x) > left + 0.7 * pw else ("start", 4)
            out.append(f'<line x1="{sx(x):.1f}" x2="{sx(x):.1f}" y1="{top}" y2="{top + ph}" stroke="{esc(color)}" '
                       f'stroke-dasharray="4 3"/>')
            out.append(f'<text x="{sx(x) + dx:.1f}" y="{top + 12 + 14 * j}" font-size="11" text-anchor="{anchor}" '
                       f'fill="{esc(color)}" stroke="#fff" stroke-width="3" paint-order="stroke">{esc(label)}</text>')
    for label, color, pts in series:
        pts = sorted(pts)
        if not pts:
            continue
        coords: list[str] = []
        for j, (x, y) in enumerate(pts):
            if step and j:
                coords.append(f"{sx(x):.1f},{sy(pts[j - 1][1]):.1f}")
            coords.append(f"{sx(x):.1f},{sy(y):.1f}")
        out.append(f'<polyline fill="none" stroke="{esc(color)}" stroke-width="2" points="{" ".join(coords)}">'
                   f'<title>{esc(label)}</title></polyline>')
        if not step:
            for x, y in pts:
                out.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3.5" fill="{esc(color)}">'
                           f'<title>{esc(label)}: {x:g} → {y:.3f}</title></circle>')
    out.append("</svg>")
    return "".join(out)


def histogram(values: Sequence[float], *, edges: Sequence[float], color: str, title: str, x_label: str,
              width: int = 340, height: int = 210) -> str:
    """An SVG histogram of ``values`` over ``edges`` (the last bin also holds values above it)."""
    left, right, top, bottom = 40, 10, 24, 40
    pw, ph = width - left - right, height - top - bottom
    n_bins = len(edges) - 1
    counts = [0] * n_bins
    for v in values:
        i = n_bins - 1
        for b in range(n_bins):
            if v < edges[b + 1]:
                i = b
                break
        counts[max(i, 0)] += 1
    c_max = max(counts) if counts else 0
    y_max = max(2, int(_nice_max(c_max))) if c_max > 2 else 2
    bw = pw / n_bins
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="{esc(title)}">',
           f'<text x="{left}" y="15" font-size="12" font-weight="600">{esc(title)}</text>']
    for i in range(3):
        c = y_max * i / 2
        y = top + ph - c / y_max * ph
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e7ee"/>')
        out.append(f'<text x="{left - 5}" y="{y + 4:.1f}" font-size="10" text-anchor="end" '
                   f'fill="#5b6577">{c:g}</text>')
    for b, c in enumerate(counts):
        h = c / y_max * ph
        out.append(f'<rect x="{left + b * bw + 1:.1f}" y="{top + ph - h:.1f}" width="{max(bw - 2, 1):.1f}" '
                   f'height="{h:.1f}" fill="{esc(color)}"><title>{edges[b]:g}–{edges[b + 1]:g} ms: {c}</title></rect>')
    label_every = max(1, n_bins // 5)
    ticks = list(range(0, n_bins + 1, label_every))
    if ticks[-1] != n_bins:  # always label the last edge (its bin holds everything above)
        ticks = (ticks[:-1] if n_bins - ticks[-1] < label_every / 2 else ticks) + [n_bins]
    for b in ticks:
        x = left + b * bw
        text = f"{edges[b]:g}" + ("+" if b == n_bins else "")
        out.append(f'<text x="{x:.1f}" y="{top + ph + 14}" font-size="10" text-anchor="middle" '
                   f'fill="#5b6577">{esc(text)}</text>')
    out.append(f'<line x1="{left}" x2="{left + pw}" y1="{top + ph}" y2="{top + ph}" stroke="#5b6577"/>')
    out.append(f'<text x="{left + pw / 2:.1f}" y="{height - 6}" font-size="11" text-anchor="middle">'
               f'{esc(x_label)}</text></svg>')
    return "".join(out)


def grouped_bars(groups: Sequence[str], series: list[tuple[str, str, list[float | None]]], *, title: str,
                 width: int = 420, height: int = 320) -> str:
    """An SVG grouped bar chart on a 0..1 scale: one group per metric, one bar per series."""
    left, right, top, bottom = 40, 10, 28, 44
    pw, ph = width - left - right, height - top - bottom
    gw = pw / max(len(groups), 1)
    bw = (gw * 0.8) / max(len(series), 1)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="{esc(title)}">',
           f'<text x="{left}" y="16" font-size="13" font-weight="600">{esc(title)}</text>']
    for i in range(6):
        y = top + ph - i / 5 * ph
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e7ee"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="#5b6577">'
                   f"{i / 5:.1f}</text>")
    for g, group in enumerate(groups):
        x0 = left + g * gw + gw * 0.1
        for j, (label, color, values) in enumerate(series):
            v = values[g]
            if not isinstance(v, int | float) or math.isnan(v):
                continue
            h = min(max(v, 0.0), 1.0) * ph
            x = x0 + j * bw
            out.append(f'<rect x="{x + 1:.1f}" y="{top + ph - h:.1f}" width="{max(bw - 2, 1):.1f}" height="{h:.1f}" '
                       f'fill="{esc(color)}"><title>{esc(label)} · {esc(group)}: {v:.3f}</title></rect>')
            if bw >= 26:
                out.append(f'<text x="{x + bw / 2:.1f}" y="{top + ph - h - 4:.1f}" font-size="10" '
                           f'text-anchor="middle">{v:.2f}</text>')
        out.append(f'<text x="{left + g * gw + gw / 2:.1f}" y="{top + ph + 17}" font-size="12" '
                   f'text-anchor="middle">{esc(group)}</text>')
    out.append(f'<line x1="{left}" x2="{left + pw}" y1="{top + ph}" y2="{top + ph}" stroke="#5b6577"/></svg>')
    return "".join(out)


def latency_edges(all_values: Sequence[float], bins: int = 16) -> list[float]:
    """Shared bin edges of a round width, from 0 to just past the 98th percentile of all values."""
    s = sorted(all_values)
    hi = max(s[min(len(s) - 1, int(0.98 * len(s)))] if s else 1.0, 1e-3)
    step = _nice_max(hi / bins)
    n = max(1, math.ceil(hi * 1.0001 / step))
    return [round(step * i, 6) for i in range(n + 1)]


def legend(names: Sequence[str]) -> str:
    return '<div class="legend">' + "".join(
        f'<span style="--c:{esc(system_color(n, i))}">{esc(system_label(n))}</span>' for i, n in enumerate(names)
    ) + "</div>"


# -- sections ---------------------------------------------------------------------------------------
def _meta_section(report: dict[str, Any]) -> str:
    meta = report.get("meta") or {}
    systems = list((report.get("systems") or {}).keys())
    rows = [
        ("Kho văn bản", esc(report.get("corpus") or meta.get("corpus"))),
        ("Chỉ mục dùng để đánh giá", f"<code>{esc(meta.get('corpus_index'))}</code>" if meta.get("corpus_index")
         else "—"),
        ("Bộ câu hỏi chuẩn", esc(report.get("golden") or meta.get("golden"))
         + (f' <span class="muted">(sha256 {esc(meta["golden_sha256"])}…)</span>'
            if meta.get("golden_sha256") else "")),
        ("Thời điểm chạy", esc(vn_datetime(meta.get("generated_at")))),
        ("Thời gian chạy", f"{meta['duration_s']:.0f} giây" if meta.get("duration_s") is not None else "—"),
        ("Số câu hỏi", f"{report.get('questions', '—')} (có căn cứ: {report.get('answerable', '—')})"),
        ("Hệ thống so sánh", esc(", ".join(system_label(s) for s in systems)) or "—"),
        ("k", esc(report.get("k", "—"))),
        ("Mô hình ngôn ngữ (LLM)", "có" if meta.get("llm") else "không (câu trả lời trích xuất)"),
    ]
    settings = report.get("settings") or {}
    settings_rows = "".join(f"<tr><td><code>{esc(k)}</code></td><td>{esc(v)}</td></tr>" for k, v in settings.items())
    body = "".join(f"<div>{label}</div><div>{value}</div>" for label, value in rows)
    details = (f"<details><summary>Thiết lập truy hồi và trả lời ({len(settings)} tham số)</summary>"
               f"<table>{settings_rows}</table></details>") if settings else ""
    return f'<section id="thong-tin"><h2>Thông tin lần chạy</h2><div class="meta">{body}</div>{details}</section>'


def _best(values: list[float | None], higher: bool = True) -> float | None:
    nums = [v for v in values if isinstance(v, int | float) and not math.isnan(v)]
    if not nums:
        return None
    return max(nums) if higher else min(nums)


def _retrieval_section(report: dict[str, Any]) -> str:
    systems = report.get("systems") or {}
    if not systems:
        return ""
    best = {key: _best([m.get(key) for m in systems.values()]) for key in RETRIEVAL_KEYS}
    multi = len(systems) > 1
    head = "".join(f'<th class="num">{esc(k)}</th>' for k in RETRIEVAL_KEYS)
    rows = []
    for name, m in systems.items():
        cells = "".join(
            f'<td class="num{" best" if multi and m.get(k) is not None and m.get(k) == best[k] else ""}">'
            f"{fmt(m.get(k))}</td>"
            for k in RETRIEVAL_KEYS)
        lat = m.get("latency_ms") or {}
        search = (f"{fmt(lat.get('search_p50'), 1)} / {fmt(lat.get('search_p95'), 1)}"
                  if lat.get("search_p50") is not None else "—")
        rows.append(f'<tr class="{"ours" if name == "ours" else ""}"><td>{esc(system_label(name))}</td>{cells}'
                    f'<td class="num">{search}</td><td class="num">{fmt(lat.get("embed_p50"), 1)}</td></tr>')
    table = (f'<table><tr><th>Hệ thống</th>{head}<th class="num">Tìm p50 / p95 (ms)</th>'
             f'<th class="num">Nhúng p50 (ms)</th></tr>{"".join(rows)}</table>')
    note = ('<p class="muted">Đơn vị đánh giá là Điều (hoặc văn bản khi căn cứ chuẩn là cả văn bản). '
            "Giá trị tốt nhất mỗi cột được tô đậm. Câu hỏi không có căn cứ không tính vào truy hồi.</p>")
    return (f'<section id="truy-hoi"><h2>Truy hồi cấp Điều — {esc(report.get("answerable"))} câu hỏi có căn cứ</h2>'
            f"{table}{note}</section>")


def _by_type_section(report: dict[str, Any]) -> str:
    systems = report.get("systems") or {}
    types = sorted({t for m in systems.values() for t in (m.get("by_type") or {})})
    if not types:
        return ""
    keys = ("recall@1", "recall@10", "mrr@10")
    head1 = "".join(f'<th colspan="{len(keys)}" style="text-align:center">{esc(system_label(n))}</th>'
                    for n in systems)
    head2 = "".join(f'<th class="num">{esc(k)}</th>' for _ in systems for k in keys)
    rows = []
    for t in types:
        n = next((m["by_type"][t]["n"] for m in systems.values() if t in (m.get("by_type") or {})), "")
        cells = []
        best = {k: _best([(m.get("by_type") or {}).get(t, {}).get(k) for m in systems.values()]) for k in keys}
        for m in systems.values():
            v = (m.get("by_type") or {}).get(t, {})
            for k in keys:
                cls = " best" if v.get(k) is not None and v.get(k) == best[k] and len(systems) > 1 else ""
                cells.append(f'<td class="num{cls}">{fmt(v.get(k))}</td>')
        rows.append(f'<tr><td>{esc(type_label(t))} <span class="muted">({esc(t)})</span></td>'
                    f'<td class="num">{esc(n)}</td>{"".join(cells)}</tr>')
    return (f'<section id="theo-loai"><h2>Theo loại câu hỏi</h2><table><tr><th rowspan="2">Loại</th>'
            f'<th rowspan="2" class="num">n</th>{head1}</tr><tr>{head2}</tr>{"".join(rows)}</table></section>')


def _charts_section(report: dict[str, Any]) -> str:
    systems = report.get("systems") or {}
    if not systems:
        return ""
    names = list(systems)
    series = [(system_label(n), system_color(n, i), [(k, systems[n].get(f"recall@{k}") or 0.0) for k in RECALL_KS])
              for i, n in enumerate(names)]
    low = min((y for _, _, pts in series for _, y in pts), default=0.0)
    y_min = max(0.0, math.floor(low * 10) / 10 - 0.1)
    recall = line_chart(series, x_ticks=RECALL_KS, x_label="k (số Điều đầu tiên)", y_label="Recall@k",
                        title="Recall@k theo hệ thống", y_min=y_min)
    recall_fig = (f"<figure>{recall}{legend(names)}<figcaption>Tỉ lệ căn cứ chuẩn nằm trong k Điều đầu tiên "
                  "(k = 1, 3, 5, 10).</figcaption></figure>")
    bars = grouped_bars(["MRR@10", "nDCG@10"], [
        (system_label(n), system_color(n, i), [systems[n].get("mrr@10"), systems[n].get("ndcg@10")])
        for i, n in enumerate(names)], title="Chất lượng xếp hạng")
    recall_fig += (f"<figure>{bars}{legend(names)}<figcaption>MRR@10 và nDCG@10 theo hệ thống (càng cao càng tốt)."
                   "</figcaption></figure>")
    # per-question latency
    per_q = report.get("per_question") or {}
    lat: dict[str, list[float]] = {}
    lat_key: dict[str, str] = {}
    for n in names:
        vals, key_used = [], "search_ms"
        for pq in per_q.values():
            d = (pq.get(n) or {}).get("latency_ms") or {}
            v = d.get("search_ms", d.get("total_ms"))
            if "search_ms" not in d and "total_ms" in d:
                key_used = "total_ms"
            if isinstance(v, int | float):
                vals.append(float(v))
        if vals:
            lat[n], lat_key[n] = vals, key_used
    if lat:
        edges = latency_edges([v for vs in lat.values() for v in vs])
        hists = []
        for i, n in enumerate(names):
            if n not in lat:
                continue
            s = sorted(lat[n])
            p50, p95 = s[len(s) // 2], s[min(len(s) - 1, math.ceil(0.95 * len(s)) - 1)]
            what = "tìm kiếm" if lat_key[n] == "search_ms" else "tổng"
            hists.append(histogram(lat[n], edges=edges, color=system_color(n, i),
                                   title=f"{system_label(n)} — p50 {p50:.1f} / p95 {p95:.1f} ms",
                                   x_label=f"Thời gian {what} mỗi câu hỏi (ms)"))
        lat_fig = (f'<figure><h3>Độ trễ</h3><div class="charts">{"".join(hists)}</div><figcaption>Phân bố '
                   "thời gian truy hồi mỗi câu hỏi (search_ms: tìm và xếp hạng, không gồm nhúng câu hỏi; "
                   "LangChain cơ bản: tổng thời gian). Cột cuối gồm cả các giá trị lớn hơn.</figcaption></figure>")
    else:
        lat_fig = '<p class="muted">Báo cáo không có thời gian từng câu hỏi.</p>'
    return (f'<section id="bieu-do"><h2>Biểu đồ truy hồi</h2><div class="charts">{recall_fig}</div>'
            f"{lat_fig}</section>")


def confusion(records: list[dict[str, Any]]) -> dict[str, int]:
    out = {"answerable_answered": 0, "answerable_declined": 0, "unanswerable_answered": 0, "unanswerable_declined": 0}
    for r in records:
        key = ("answerable" if r.get("answerable") else "unanswerable") + ("_declined" if r.get("declined")
                                                                            else "_answered")
        out[key] += 1
    return out


def _confusion_table(records: list[dict[str, Any]]) -> str:
    cm = confusion(records)
    n_ans = cm["answerable_answered"] + cm["answerable_declined"]
    n_un = cm["unanswerable_answered"] + cm["unanswerable_declined"]

    def cell(key: str, total: int, ok: bool) -> str:
        share = pct(cm[key] / total) if total else "—"
        return f'<td class="{"ok" if ok else "ko"}">{cm[key]}<small>{share}</small></td>'

    return ('<table class="cm" style="width:auto"><tr><th></th><th>Đã trả lời</th><th>Đã từ chối</th></tr>'
            f"<tr><th>Có căn cứ ({n_ans})</th>{cell('answerable_answered', n_ans, True)}"
            f"{cell('answerable_declined', n_ans, False)}</tr>"
            f"<tr><th>Không có căn cứ ({n_un})</th>{cell('unanswerable_answered', n_un, False)}"
            f"{cell('unanswerable_declined', n_un, True)}</tr></table>")


def _answers_section(report: dict[str, Any]) -> str:
    a = report.get("answers")
    if not a:
        return ('<section id="tra-loi"><h2>Câu trả lời</h2><p class="muted">Lần chạy này không đánh giá câu trả '
                "lời (--no-answers).</p></section>")
    cards = [
        ("Trích đúng căn cứ", a.get("citation_accuracy"), "câu có căn cứ được trả lời và trích Điều chuẩn"),
        ("Độ chính xác trích dẫn", a.get("citation_precision"), "tỉ lệ trích dẫn trỏ tới Điều chuẩn"),
        ("Từ chối đúng", a.get("decline_accuracy"), "câu không có căn cứ được từ chối"),
        ("Từ chối nhầm", a.get("false_decline_rate"), "câu có căn cứ bị từ chối (càng thấp càng tốt)"),
        ("Trích nguyên văn đúng", a.get("span_faithfulness"), "đoạn trích có trong văn bản gốc"),
    ]
    facts = a.get("key_facts") or {}
    if facts.get("n"):
        cards += [
            ("Có ý chính của đáp án", facts.get("facts_present"), "tỉ lệ ý chính (số liệu, ngày, từ hiếm) có trong câu"
                                                                   " trả lời"),
            ("Ý chính trong 300 ký tự đầu", facts.get("facts_in_head"), "ý chính nằm ngay phần mở đầu"),
            ("Trả lời đủ ý chính", facts.get("fully_answered"), f"câu có đủ mọi ý chính ({facts['n']} câu)"),
        ]
    judge = a.get("judge") or {}
    if judge and not judge.get("skipped"):
        cards += [("Trung thực (LLM chấm)", judge.get("faithfulness"), f"{judge.get('judged', 0)} câu được chấm"),
                  ("Đúng trọng tâm (LLM chấm)", judge.get("answer_relevance"), f"mô hình {judge.get('model', '')}")]
    html_cards = "".join(f'<div class="card"><div class="v">{pct(v)}</div><div>{esc(label)}</div>'
                         f'<div class="l">{esc(note)}</div></div>' for label, v, note in cards)
    flagged = (f'<p>Câu trả lời bị đánh dấu (trích dẫn không kiểm chứng được): <b>{esc(a.get("flagged", 0))}</b>.'
               + (f' <span class="muted">{esc(judge["skipped"])}</span>' if judge.get("skipped") else "") + "</p>")
    records = a.get("records") or []
    cm = _confusion_table(records)
    cal = a.get("calibration") or {}
    curve = cal.get("curve") or []
    threshold = (report.get("settings") or {}).get("decline_threshold")
    markers = []
    if isinstance(threshold, int | float):
        markers.append((float(threshold), f"ngưỡng hiện tại {threshold:g}", "#5b6577"))
    best = cal.get("best")
    if best:
        markers.append((float(best["threshold"]), f"đề xuất {best['threshold']:g}", "#1f5fbf"))
    if curve:
        xs = [c["threshold"] for c in curve]
        x_hi = max(1.0, max(xs))
        ticks = [round(x_hi * i / 5, 2) for i in range(6)]
        chart = line_chart(
            [("Từ chối đúng (không có căn cứ)", "#2f9e6a", [(c["threshold"], c["decline_accuracy"]) for c in curve]),
             ("Từ chối nhầm (có căn cứ)", "#c0392b", [(c["threshold"], c["false_decline_rate"]) for c in curve])],
            x_ticks=ticks, x_label="Ngưỡng độ tin cậy (từ chối khi thấp hơn)", y_label="Tỉ lệ",
            title="Hiệu chỉnh ngưỡng từ chối", markers=markers, step=True)
        cal_legend = ('<div class="legend"><span style="--c:#2f9e6a">Từ chối đúng</span>'
                      '<span style="--c:#c0392b">Từ chối nhầm</span></div>')
        best_note = (f"Ngưỡng đề xuất (từ chối nhầm ≤ {pct(cal.get('max_false_decline'))}): "
                     f"{best['threshold']:g} → từ chối đúng {pct(best['decline_accuracy'])}, từ chối nhầm "
                     f"{pct(best['false_decline_rate'])}." if best else "Không có ngưỡng thoả điều kiện.")
        cal_fig = (f"<figure>{chart}{cal_legend}<figcaption>Quét ngưỡng trên độ tin cậy của truy hồi (câu có dẫn "
                   f"chiếu rõ văn bản không bao giờ bị từ chối). {esc(best_note)}</figcaption></figure>")
    else:
        cal_fig = '<p class="muted">Không có dữ liệu hiệu chỉnh.</p>'
    return (f'<section id="tra-loi"><h2>Câu trả lời — {esc(a.get("n"))} câu hỏi '
            f'({esc(a.get("unanswerable"))} không có căn cứ)</h2><div class="cards">{html_cards}</div>{flagged}'
            f'<div class="charts"><figure class="narrow"><h3>Ma trận từ chối</h3>{cm}<figcaption>Hàng: câu hỏi '
            "có / không có căn cứ trong kho; cột: hệ thống trả lời hay từ chối; tỉ lệ theo hàng. Ô xanh là đúng."
            "</figcaption>"
            f"</figure>{cal_fig}</div>{_facts_table(facts)}"
            "</section>")


def _facts_table(facts: dict[str, Any]) -> str:
    """Key facts per question type, beside citation accuracy (evals/keyfacts.py says what a key fact is)."""
    if not facts.get("n"):
        return ""
    rows = [("Tất cả", facts)] + [(t or "—", v) for t, v in (facts.get("by_type") or {}).items() if v.get("n")]
    if facts.get("conversations"):
        rows.append(("Hội thoại (có câu hỏi trước)", facts["conversations"]))
    body = "".join(f"<tr><td>{esc(name)}</td><td>{esc(v['n'])}</td><td>{pct(v.get('facts_present'))}</td>"
                   f"<td>{pct(v.get('facts_in_head'))}</td><td>{pct(v.get('fully_answered'))}</td>"
                   f"<td>{pct(v.get('citation_accuracy'))}</td></tr>" for name, v in rows)
    return ("<h3>Ý chính của đáp án theo loại câu hỏi</h3><table><tr><th>Loại</th><th>Số câu</th>"
            "<th>Có ý chính</th><th>Trong 300 ký tự đầu</th><th>Đủ ý chính</th><th>Trích đúng căn cứ</th></tr>"
            f"{body}</table><p class=\"muted\">Ý chính: số liệu và ngày tháng của đáp án chuẩn (đã chuẩn hoá), "
            "hoặc khi không có, 3 từ hiếm nhất của nó trong kho văn bản.</p>")


def worst_failures(report: dict[str, Any], system: str = "ours", limit: int = WORST_LIMIT) -> list[dict[str, Any]]:
    """Answerable questions whose gold is missing from ``system``'s results, then those ranked worst."""
    per_q = report.get("per_question") or {}
    out = []
    for qid, pq in per_q.items():
        run = pq.get(system)
        if run is None:
            continue
        rank = run.get("rank")
        if rank == 1:
            continue
        out.append({"id": qid, "rank": rank, **pq})
    out.sort(key=lambda f: (f["rank"] is not None, -(f["rank"] or 0), f["id"]))
    return out[:limit]


def _is_gold(item: Sequence[Any], gold: Sequence[dict[str, Any]]) -> bool:
    return any(item[0] == g.get("doc") and (g.get("article") in (None, "") or str(item[1]) == str(g["article"]))
               for g in gold)


def _failure_html(f: dict[str, Any], answer: dict[str, Any] | None, systems: Sequence[str]) -> str:
    gold = f.get("gold") or []
    rank = f["rank"]
    rank_tag = ('<span class="tag bad">không có trong top 10</span>' if rank is None
                else f'<span class="tag bad">hạng {esc(rank)}</span>')
    others = " · ".join(f"{esc(system_label(s))}: {esc((f.get(s) or {}).get('rank') or '—')}" for s in systems
                        if s != "ours" and s in f)
    top = f.get("ours", {}).get("top") or []
    items = "".join(
        f'<li class="{"gold" if _is_gold(it, gold) else ""}">{esc(it[0])} · '
        f'{esc("Điều " + str(it[1]) if it[1] not in (None, "") else "(không thuộc Điều)")}</li>' for it in top)
    ans_html = '<p class="muted">Không có câu trả lời trong báo cáo.</p>'
    if answer is not None:
        status = ('<span class="tag bad">đã từ chối</span>' if answer.get("declined")
                  else '<span class="tag good">trích đúng căn cứ</span>' if answer.get("cites_gold")
                  else '<span class="tag bad">không trích căn cứ chuẩn</span>')
        cites = ", ".join(answer.get("citations") or []) or "—"
        ans_html = (f'<div>Câu trả lời {status}</div><div class="muted">trích dẫn: {esc(cites)} · độ tin cậy '
                    f'{fmt(answer.get("confidence"))}</div>'
                    f'<div class="answer">{esc(clip_answer(answer.get("answer")))}</div>')
    question = f.get("question") or "(đã ẩn)"
    return (f'<div class="fail"><div><span class="tag">{esc(f["id"])}</span><span class="tag">'
            f'{esc(type_label(f.get("type", "")))}</span>{rank_tag}'
            + (f'<span class="muted">Hạng ở hệ thống khác — {others}</span>' if others else "")
            + f'</div><div class="q">{esc(question)}</div><div class="cols"><div>Căn cứ chuẩn: '
            f'<b>{esc(gold_label(gold))}</b><div>5 Điều đầu tiên của hệ thống:</div><ol class="top">'
            f'{items or "<li>(không có)</li>"}</ol></div><div>{ans_html}</div></div></div>')


def clip_answer(text: str | None, stored: int = 400) -> str:
    """The stored answer text (records keep its first 400 characters), marked when it was cut."""
    if not text:
        return "(đã ẩn)"
    return text + "…" if len(text) >= stored else text


def _failures_section(report: dict[str, Any]) -> str:
    systems = list((report.get("systems") or {}).keys())
    if "ours" not in systems:
        return ""
    records = {r["id"]: r for r in (report.get("answers") or {}).get("records", [])}
    fails = worst_failures(report)
    n_missing = sum(1 for pq in (report.get("per_question") or {}).values()
                    if "ours" in pq and pq["ours"].get("rank") is None)
    body = "".join(_failure_html(f, records.get(f["id"]), systems) for f in fails) or (
        '<p class="muted">Không có câu hỏi nào bị xếp sai: mọi căn cứ chuẩn đều ở hạng 1.</p>')
    wrong_answers = [r for r in records.values() if not r.get("answerable") and not r.get("declined")]
    extra = ""
    if wrong_answers:
        items = "".join(
            f'<div class="fail"><span class="tag">{esc(r["id"])}</span><span class="tag bad">đã trả lời</span>'
            f'<span class="muted">độ tin cậy {fmt(r.get("confidence"))}</span><div class="q">'
            f'{esc(r.get("question") or "(đã ẩn)")}</div><div class="answer">{esc(clip_answer(r.get("answer")))}'
            "</div></div>" for r in wrong_answers[:10])
        extra = (f"<h3>Câu hỏi không có căn cứ nhưng vẫn được trả lời ({len(wrong_answers)}"
                 f"{', hiển thị 10' if len(wrong_answers) > 10 else ''})</h3>{items}")
    return (f'<section id="loi"><h2>Các lỗi nặng nhất của hệ thống</h2><p class="muted">{n_missing} câu hỏi mà '
            f"hệ thống không đưa Điều chuẩn vào top {esc(report.get('k', 10))}; hiển thị {len(fails)} câu kém nhất "
            "(trước hết các câu không tìm thấy, sau đó hạng thấp nhất). Điều chuẩn được tô xanh.</p>"
            f"{body}{extra}</section>")


def _value_label(aspect: str, value: Any) -> str:
    if aspect == "rank":
        return "không có" if value is None else f"hạng {value}"
    return "có" if value else "không"


def _compare_section(comparison: dict[str, Any] | None) -> str:
    if not comparison:
        return ""
    counts = comparison["counts"]
    cards = "".join(
        f'<div class="card"><div class="v {esc(s)}">{counts.get(s, 0)}</div><div>{esc(STATUS_LABELS[s])}</div></div>'
        for s in ("improved", "regressed", "mixed", "unchanged", "new", "removed") if counts.get(s) or s in
        ("improved", "regressed", "unchanged"))
    old = comparison.get("old") or {}
    warn = ""
    if comparison.get("same_golden") is False:
        warn = ('<p class="regressed">Lưu ý: hai báo cáo dùng bộ câu hỏi khác nhau (sha256 khác); so sánh theo mã '
                "câu hỏi.</p>")
    rows = []
    for m in comparison.get("metrics", []):
        d = m.get("delta")
        cls = m.get("verdict") if m.get("verdict") != "unchanged" else ""
        delta = "—" if d is None else f"{d:+.3f}"
        rows.append(f"<tr><td>{esc(m['label'])}</td><td class=\"num\">{fmt(m['old'])}</td>"
                    f'<td class="num">{fmt(m["new"])}</td><td class="num {esc(cls)}">{esc(delta)}</td></tr>')
    metrics = ('<table style="width:auto"><tr><th>Chỉ số</th><th class="num">Trước</th><th class="num">Sau</th>'
               f'<th class="num">Chênh lệch</th></tr>{"".join(rows)}</table>') if rows else ""
    lists = []
    for status in ("regressed", "mixed", "improved"):
        qs = [q for q in comparison["questions"] if q["status"] == status]
        if not qs:
            continue
        items = "".join(
            f'<tr><td><span class="tag">{esc(q["id"])}</span></td><td>{esc(q.get("question") or "(đã ẩn)")}</td><td>'
            + "<br>".join(f'<span class="{esc(c["verdict"])}">{esc(ASPECT_LABELS.get(c["aspect"], c["aspect"]))}: '
                          f'{esc(_value_label(c["aspect"], c["old"]))} → {esc(_value_label(c["aspect"], c["new"]))}'
                          "</span>" for c in q["changes"])
            + "</td></tr>" for q in qs)
        lists.append(f'<h3 class="{status}">{esc(STATUS_LABELS[status])} ({len(qs)})</h3><table><tr><th>Mã</th>'
                     f"<th>Câu hỏi</th><th>Thay đổi</th></tr>{items}</table>")
    return (f'<section id="so-sanh"><h2>So sánh với lần chạy trước</h2><p class="muted">Báo cáo trước: '
            f'{esc(old.get("golden"))}, chạy lúc {esc(vn_datetime(old.get("generated_at")))}. Từng câu hỏi: hạng '
            f"căn cứ chuẩn của hệ thống, có từ chối hay không, có trích đúng căn cứ hay không.</p>{warn}"
            f'<div class="cards">{cards}</div><h3>Chỉ số tổng hợp</h3>{metrics}{"".join(lists)}</section>')


def render_html(report: dict[str, Any], comparison: dict[str, Any] | None = None) -> str:
    """The whole page (a string); nothing is fetched when it is opened."""
    golden = Path(str(report.get("golden") or "")).name or "—"
    meta = report.get("meta") or {}
    nav = [("thong-tin", "Thông tin"), ("truy-hoi", "Truy hồi"), ("theo-loai", "Theo loại"),
           ("bieu-do", "Biểu đồ"), ("tra-loi", "Câu trả lời"), ("loi", "Lỗi nặng nhất")]
    if comparison:
        nav.insert(1, ("so-sanh", "So sánh"))
    nav_html = " · ".join(f'<a href="#{a}" style="color:#fff">{esc(t)}</a>' for a, t in nav)
    sections = [
        _meta_section(report),
        _compare_section(comparison),
        _retrieval_section(report),
        _by_type_section(report),
        _charts_section(report),
        _answers_section(report),
        _failures_section(report),
    ]
    return (
        "<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Báo cáo đánh giá — {esc(golden)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>Báo cáo đánh giá Trợ lý Công vụ</h1><p>Bộ câu hỏi {esc(golden)} · "
        f"{esc(vn_datetime(meta.get('generated_at')))} · {nav_html}</p></header>"
        f"<main>{''.join(sections)}</main></body></html>\n"
    )


def write_report(report: dict[str, Any], out_dir: Path, comparison: dict[str, Any] | None = None) -> tuple[Path, Path]:
    """Write ``report.json`` and ``report.html`` (and ``comparison.json`` when given) into ``out_dir``."""
    from evals.compare import compact

    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, html_path = out_dir / "report.json", out_dir / "report.html"
    json_path.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    html_path.write_text(render_html(report, comparison), encoding="utf-8")
    if comparison:
        (out_dir / "comparison.json").write_text(
            json.dumps(compact(comparison), ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    return json_path, html_path
