"""Regression gate: run the fast eval subset of ``evals/gate.json`` and check it against thresholds.

    python -m evals.gate [--config evals/gate.json] [--report DIR]

Reuses the cached index of the corpus (data/eval-cache/…). Prints a table of the checked metrics and
exits 1 when any of them is below its ``min`` (or above its ``max``), naming the metric; 2 on a bad
config or missing corpus / golden file; 0 when everything passes. The thresholds are set a little
below the values measured when the gate was last calibrated (``measured`` in the config); the frozen
split is only measured, never tuned on."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.runner import ROOT

DEFAULT_CONFIG = ROOT / "evals" / "gate.json"
METRIC_LABELS = {
    "recall@1": "Recall@1", "recall@3": "Recall@3", "recall@5": "Recall@5", "recall@10": "Recall@10",
    "mrr@10": "MRR@10", "ndcg@10": "nDCG@10",
    "citation_accuracy": "Trích đúng căn cứ", "citation_precision": "Độ chính xác trích dẫn",
    "decline_accuracy": "Từ chối đúng", "false_decline_rate": "Từ chối nhầm",
    "span_faithfulness": "Trích nguyên văn đúng",
    "facts_present": "Có ý chính của đáp án", "facts_in_head": "Ý chính trong 300 ký tự đầu",
    "fully_answered": "Trả lời đủ ý chính",
}


class GateConfigError(ValueError):
    """A gate config that cannot be used (message in Vietnamese)."""


@dataclass
class Check:
    metric: str  # dotted path into the report, e.g. "systems.ours.recall@1"
    value: float | None
    min: float | None = None
    max: float | None = None

    @property
    def ok(self) -> bool:
        if self.value is None:
            return False
        if self.min is not None and self.value < self.min:
            return False
        return not (self.max is not None and self.value > self.max)

    @property
    def label(self) -> str:
        parts = self.metric.split(".")
        name = METRIC_LABELS.get(parts[-1], parts[-1])
        if parts[0] == "systems" and len(parts) == 3:
            return f"{name} ({parts[1]})"
        return name

    @property
    def bound(self) -> str:
        if self.min is not None and self.max is not None:
            return f"{self.min:g} ≤ x ≤ {self.max:g}"
        return f"≥ {self.min:g}" if self.min is not None else f"≤ {self.max:g}" if self.max is not None else "—"

    def message(self) -> str:
        if self.value is None:
            return f"{self.label} [{self.metric}]: không đo được (thiếu trong báo cáo)"
        if self.min is not None and self.value < self.min:
            return f"{self.label} [{self.metric}] = {self.value:.4f} thấp hơn ngưỡng {self.min:g}"
        return f"{self.label} [{self.metric}] = {self.value:.4f} cao hơn ngưỡng {self.max:g}"


@dataclass
class GateResult:
    checks: list[Check]
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1


def metric_value(report: dict[str, Any], path: str) -> float | None:
    cur: Any = report
    for key in path.split("."):
        if not isinstance(cur, dict) or key not in cur:
            return None
        cur = cur[key]
    return float(cur) if isinstance(cur, int | float) and not isinstance(cur, bool) else None


def check_report(report: dict[str, Any], thresholds: list[dict[str, Any]]) -> list[Check]:
    return [Check(t["metric"], metric_value(report, t["metric"]), t.get("min"), t.get("max")) for t in thresholds]


def resolve(path: str | Path) -> Path:
    """A config path: absolute, or relative to the project root; ``../shared/…`` follows ASSISTANT_SHARED_DIR."""
    p = Path(path)
    shared = os.environ.get("ASSISTANT_SHARED_DIR")
    if shared and p.parts[:2] == ("..", "shared"):
        return Path(shared).joinpath(*p.parts[2:]).resolve()
    return p if p.is_absolute() else (ROOT / p).resolve()


def load_config(path: Path = DEFAULT_CONFIG) -> dict[str, Any]:
    try:
        cfg = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise GateConfigError(f"Không tìm thấy tệp cấu hình cổng kiểm tra: {path}") from exc
    except json.JSONDecodeError as exc:
        raise GateConfigError(f"{path}: JSON không hợp lệ ({exc.msg}, dòng {exc.lineno})") from exc
    for key in ("corpus", "golden", "thresholds"):
        if key not in cfg:
            raise GateConfigError(f"{path}: thiếu trường '{key}'")
    for t in cfg["thresholds"]:
        if "metric" not in t or ("min" not in t and "max" not in t):
            raise GateConfigError(f"{path}: mỗi ngưỡng cần 'metric' và 'min' hoặc 'max': {t}")
    return cfg


def run_gate(
    cfg: dict[str, Any],
    settings: Any | None = None,
    *,
    rows: list[dict[str, Any]] | None = None,
    report_dir: Path | None = None,
    wrap_retriever: Callable[[Any], Any] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> GateResult:
    """Run the gate's eval and check it. ``settings`` defaults to the cached index settings of the corpus;
    ``rows`` may replace the golden questions (tests use a subset)."""
    from evals.retrieval_eval import load_golden
    from evals.runner import ensure_index, index_settings, run_eval

    corpus, golden = resolve(cfg["corpus"]), resolve(cfg["golden"])
    for p, what in ((corpus, "kho văn bản"), (golden, "bộ câu hỏi")):
        if not p.exists():
            raise GateConfigError(f"Không tìm thấy {what}: {p}")
    if settings is None:
        settings = index_settings(corpus)
        failed = [r.message for r in ensure_index(settings, corpus) if r.failed]
        if failed:
            raise GateConfigError("Lỗi khi nạp văn bản: " + "; ".join(str(m) for m in failed))
    report = run_eval(settings, corpus, rows if rows is not None else load_golden(golden),
                      list(cfg.get("systems", ["ours"])), k=int(cfg.get("k", 10)),
                      answers=bool(cfg.get("answers", True)), golden=golden, progress=progress,
                      wrap_retriever=wrap_retriever)
    result = GateResult(check_report(report, cfg["thresholds"]), report)
    report["gate"] = {"passed": result.passed, "checks": [
        {"metric": c.metric, "value": c.value, "min": c.min, "max": c.max, "ok": c.ok} for c in result.checks]}
    if report_dir is not None:
        from evals.report import write_report

        write_report(report, report_dir)
    return result


def print_result(result: GateResult, console: Any) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="Cổng kiểm tra hồi quy")
    for col, justify in (("Chỉ số", "left"), ("Đường dẫn", "left"), ("Giá trị", "right"), ("Ngưỡng", "right"),
                         ("Kết quả", "left")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for c in result.checks:
        table.add_row(escape(c.label), escape(c.metric), "—" if c.value is None else f"{c.value:.4f}", c.bound,
                      "[green]đạt[/]" if c.ok else "[red]HỒI QUY[/]")
    console.print(table)
    if result.passed:
        console.print(f"[green]Đạt:[/] cả {len(result.checks)} chỉ số đều trong ngưỡng.")
    else:
        for c in result.failures:
            console.print(f"[red]Hồi quy:[/] {escape(c.message())}")
        console.print(f"[red]Không đạt:[/] {len(result.failures)}/{len(result.checks)} chỉ số vượt ngưỡng.")


def main(argv: list[str] | None = None) -> int:
    import logging

    from rich.console import Console
    from rich.markup import escape

    parser = argparse.ArgumentParser(prog="python -m evals.gate", description="Cổng kiểm tra hồi quy của đánh giá.")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="Tệp cấu hình (mặc định evals/gate.json)")
    parser.add_argument("--report", type=Path, default=None, help="Ghi report.json và report.html vào thư mục này")
    args = parser.parse_args(argv)
    console = Console()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    try:
        cfg = load_config(args.config)
        console.print(f"Cổng kiểm tra: {cfg['golden']} trên {cfg['corpus']} "
                      f"(hệ thống: {', '.join(cfg.get('systems', ['ours']))}) — đang chạy đánh giá…")
        result = run_gate(cfg, report_dir=args.report)
    except GateConfigError as exc:
        console.print(f"[red]{escape(str(exc))}[/]")
        return 2
    print_result(result, console)
    if args.report:
        console.print(f"Đã ghi báo cáo: {args.report / 'report.html'}")
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())
