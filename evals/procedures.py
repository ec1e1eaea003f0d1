"""Field-level accuracy of procedure cards against the hand-read golden file.

    python -m evals.procedures [--corpus DIR] [--golden FILE] [--json FILE]

Each golden line is one procedure as read in its text (evals/golden/procedures.jsonl). Cards are
extracted from the corpus files named by the golden ``doc_id``s (and every other file of the
corpus, so that a card invented elsewhere counts against precision), matched by document and mã
TTHC (by name when the text gives no code), and compared field by field after light normalisation
(case, spacing, trailing punctuation, "UBND" = "Ủy ban nhân dân", a trailing "Hà Nội"):

* scalar fields (mã, tên, lĩnh vực, thời hạn in days, trạng thái, phí miễn) — a wrong value is a
  false positive *and* a false negative; a value where the golden has none is a false positive;
* list fields (nơi nộp = set of channels, cơ quan, hồ sơ items) — set overlap.
"""

from __future__ import annotations

import argparse
import json
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ingest.legal import parse_structure
from ingest.loaders import load_file
from ingest.metadata import doc_id_for
from ingest.models import DocumentMetadata, ParsedDocument
from ingest.procedures import ProcedureCard, extract_document
from ingest.procedures.text import fold

SCALARS = ("code", "name", "field", "deadline_days", "status", "fee_free", "symbol")
LISTS = ("channels", "authorities", "dossier")
DEFAULT_CORPUS = Path(os.environ.get("ASSISTANT_SHARED_DIR", "../shared")) / "corpus" / "hanoi"


def norm(value: object) -> object:
    if value is None or isinstance(value, bool | int | float):
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else value
    s = str(value)
    s = re.sub(r"\bUBND\b", "Ủy ban nhân dân", s).replace("Uỷ", "Ủy").replace("uỷ", "ủy")
    s = fold(s)
    s = re.sub(r"\s+(?:thanh pho )?ha noi$", "", s)
    return s.strip()


def predicted(card: ProcedureCard) -> dict[str, object]:
    authorities = [a.body for a in card.authorities]
    return {
        "code": card.code.text if card.code else None,
        "symbol": card.symbol.text if card.symbol else None,
        "name": card.name.text,
        "field": card.field.text if card.field else None,
        "deadline_days": card.deadline.days if card.deadline else None,
        "status": card.status.value,
        "fee_free": card.fee.free if card.fee else None,
        "channels": sorted({c.channel.value for c in card.channels if c.channel}),
        "authorities": authorities,
        "dossier": [d.name for d in card.dossier],
    }


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        return {"precision": round(p, 4), "recall": round(r, 4), "tp": self.tp, "fp": self.fp, "fn": self.fn,
                "errors": self.errors[:20]}


def compare(gold: dict, pred: dict | None, counts: dict[str, Counts], label: str) -> None:
    for f in SCALARS:
        g = norm(gold.get(f))
        p = norm(pred.get(f)) if pred else None
        c = counts[f]
        if g is None and p is None:
            continue
        if g == p:
            c.tp += 1
        else:
            if p is not None:
                c.fp += 1
            if g is not None:
                c.fn += 1
            c.errors.append(f"{label}: {f} expected {gold.get(f)!r}, got {pred.get(f) if pred else None!r}")
    for f in LISTS:
        g = {norm(x) for x in gold.get(f) or []}
        p = {norm(x) for x in (pred.get(f) if pred else []) or []}
        c = counts[f]
        c.tp += len(g & p)
        c.fp += len(p - g)
        c.fn += len(g - p)
        if g != p:
            c.errors.append(f"{label}: {f} missing {sorted(map(str, g - p))[:3]}, extra {sorted(map(str, p - g))[:3]}")


def extract_corpus(corpus: Path) -> dict[str, list[ProcedureCard]]:
    manifest = corpus / "manifest.json"
    from ingest.metadata import load_overrides

    out: dict[str, list[ProcedureCard]] = {}
    for path in sorted(corpus.glob("*.txt")):
        overrides = load_overrides(manifest if manifest.exists() else None, path)
        loaded = load_file(path)
        structure = parse_structure(loaded.text)
        doc = ParsedDocument(doc_id=doc_id_for(path, overrides), metadata=DocumentMetadata(),
                             articles=structure.articles, text=loaded.text)
        out[doc.doc_id] = extract_document(doc, path, loaded.format).cards
    return out


def evaluate(corpus: Path, golden: Path) -> dict[str, object]:
    gold = [json.loads(line) for line in golden.read_text(encoding="utf-8").splitlines() if line.strip()]
    cards = extract_corpus(corpus)
    counts: dict[str, Counts] = defaultdict(Counts)
    used: set[tuple[str, int]] = set()
    for g in gold:
        candidates = cards.get(g["doc_id"], [])
        match = None
        for n, c in enumerate(candidates):
            same = (g.get("code") and c.code and norm(c.code.text) == norm(g["code"])) or (
                not g.get("code") and norm(c.name.text) == norm(g["name"]))
            if same and (g["doc_id"], n) not in used:
                match = (n, c)
                break
        if match:
            used.add((g["doc_id"], match[0]))
        compare(g, predicted(match[1]) if match else None, counts, f"{g['doc_id']} {g.get('code') or g['name'][:40]}")
    extra = [(d, c) for d, cs in cards.items() for n, c in enumerate(cs) if (d, n) not in used]
    for d, c in extra:
        compare({}, predicted(c), counts, f"{d} (thẻ thừa) {c.key}")
    return {"procedures_golden": len(gold), "cards_extracted": sum(len(v) for v in cards.values()),
            "unmatched_cards": len(extra), "fields": {f: counts[f].as_dict() for f in (*SCALARS, *LISTS)}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--golden", type=Path, default=Path("evals/golden/procedures.jsonl"))
    ap.add_argument("--json", type=Path, default=Path("evals/results/procedures.json"))
    args = ap.parse_args()
    report = evaluate(args.corpus, args.golden)
    print(f"thủ tục chuẩn: {report['procedures_golden']}, thẻ trích xuất: {report['cards_extracted']}, "
          f"thẻ không khớp: {report['unmatched_cards']}")
    print(f"{'trường':<14}{'precision':>10}{'recall':>8}{'tp':>6}{'fp':>5}{'fn':>5}")
    for f, v in report["fields"].items():
        print(f"{f:<14}{v['precision']:>10.3f}{v['recall']:>8.3f}{v['tp']:>6}{v['fp']:>5}{v['fn']:>5}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
