"""How well does ``extract_metadata`` read number, type, issuer and issue date from the texts alone?

Runs the extractor (no manifest overrides) on every file listed in the corpus manifest and compares
four fields with the manifest:

    python -m evals.metadata_accuracy [--corpus DIR] [--out FILE]

The manifest is normalised only where it annotates rather than states: issuer "Quốc hội khóa XVI
(kỳ họp thứ Nhất)" means "Quốc hội"; "30/06/2025 (per other sources …)" means 30/06/2025; a number
"số chưa xác định (…)" and a date "2025 (ngày chưa rõ)" mean unknown, so extracting None is correct.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from ingest.metadata import extract_metadata

FIELDS = ("number", "type", "issuer", "issued")
_REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = _REPO / "evals" / "results" / "metadata_accuracy.json"


def default_corpus() -> Path:
    shared = Path(os.environ.get("ASSISTANT_SHARED_DIR") or _REPO.parent / "shared")
    return shared / "corpus" / "hanoi"


def _nfc(value: Any) -> str:
    return unicodedata.normalize("NFC", str(value)).strip()


def expected_number(value: Any) -> str | None:
    s = _nfc(value or "")
    return s if re.fullmatch(r"\d+(?:/\d{4})?/\S+", s) else None


def expected_issuer(value: Any) -> str | None:
    s = re.sub(r"\([^)]*\)", " ", _nfc(value or ""))
    s = re.sub(r"[\s,]+kh[oó]a\s+[IVXLC\d]+\b.*$", "", s, flags=re.IGNORECASE)
    return re.sub(r"\s+", " ", s).strip(" ,;") or None


def expected_date(value: Any) -> date | None:
    m = re.match(r"(\d{1,2})/(\d{1,2})/(\d{4})", _nfc(value or ""))
    if not m:
        return None
    try:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None


def expected_fields(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "number": expected_number(entry.get("number")),
        "type": _nfc(entry["type"]) if entry.get("type") else None,
        "issuer": expected_issuer(entry.get("issuer")),
        "issued": expected_date(entry.get("issued")),
    }


def evaluate(corpus_dir: Path) -> dict[str, Any]:
    """Per-document, per-field comparison of extraction with the manifest."""
    manifest = json.loads((corpus_dir / "manifest.json").read_text(encoding="utf-8"))
    documents: list[dict[str, Any]] = []
    misses: list[dict[str, Any]] = []
    per_field = {f: 0 for f in FIELDS}
    for entry in manifest:
        path = corpus_dir / entry["file"]
        meta = extract_metadata(path.read_text(encoding="utf-8"), path.name)
        got = {"number": meta.number, "type": meta.doc_type, "issuer": meta.issuer, "issued": meta.issued}
        want = expected_fields(entry)
        fields: dict[str, Any] = {}
        for f in FIELDS:
            ok = got[f] == want[f]
            per_field[f] += ok
            fields[f] = {"expected": _jsonable(want[f]), "extracted": _jsonable(got[f]), "ok": ok}
            if not ok:
                misses.append({"file": entry["file"], "field": f, **fields[f]})
        documents.append({"file": entry["file"], "fields": fields})
    total = len(documents) * len(FIELDS)
    correct = sum(per_field.values())
    return {
        "corpus": str(corpus_dir),
        "n_documents": len(documents),
        "fields": list(FIELDS),
        "correct": correct,
        "total": total,
        "accuracy": correct / total if total else 0.0,
        "per_field": {f: per_field[f] / len(documents) if documents else 0.0 for f in FIELDS},
        "documents": documents,
        "misses": misses,
    }


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def render(results: dict[str, Any], console: Console) -> None:
    table = Table(title=f"Metadata extraction vs manifest ({results['corpus']})", show_lines=False)
    table.add_column("document", overflow="fold")
    for f in FIELDS:
        table.add_column(f, overflow="fold")
    for doc in results["documents"]:
        cells = []
        for f in FIELDS:
            cell = doc["fields"][f]
            if cell["ok"]:
                cells.append(f"[green]✓[/green] {cell['extracted']}")
            else:
                cells.append(f"[red]✗[/red] {cell['extracted']} [dim]≠ {cell['expected']}[/dim]")
        table.add_row(doc["file"], *cells)
    console.print(table)
    per_field = ", ".join(f"{f} {v:.0%}" for f, v in results["per_field"].items())
    score = f"{results['correct']}/{results['total']} = {results['accuracy']:.1%}"
    console.print(f"[bold]Accuracy: {score}[/bold] ({per_field})")
    if results["misses"]:
        console.print("[bold]Misses:[/bold]")
        for miss in results["misses"]:
            console.print(
                f"  {miss['file']} · {miss['field']}: extracted {miss['extracted']!r}, manifest {miss['expected']!r}"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=None, help="folder with manifest.json and the texts")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the JSON results")
    args = parser.parse_args(argv)
    corpus = args.corpus or default_corpus()
    console = Console()
    if not (corpus / "manifest.json").is_file():
        console.print(f"[red]No manifest.json in {corpus}[/red]")
        return 2
    results = evaluate(corpus)
    render(results, console)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    console.print(f"Results written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
