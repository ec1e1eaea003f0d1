"""Validate the Hà Nội golden set against the corpus (stdlib only, no index, no model).

    python evals/golden/check_golden.py [--corpus ../shared/corpus/hanoi]

Checks: every line parses; required fields and types; ids unique with the split prefix;
every doc id is a file stem in the corpus; every non-null article exists as a line "Điều <n>."
(NFC); for the promulgating decisions (QĐ 71, QĐ 74) the article exists in the attached
Quy chế / Quy định, and for NĐ 170 it is one of the decree's own Điều 1–73 (not the forms);
unanswerable rows have no gold and an empty answer; minimum counts per type; every type in
both splits; coverage of documents and of Luật Thủ đô. Prints counts; exit code 1 on error.

The blind set (hanoi_blind.jsonl, ids bld-NNN, written without seeing the system) gets the same
row checks plus its own minimums: at least 130 questions, at least 8 of each answerable type,
25 unanswerable, 20 follow-ups (rows with a "history": a non-empty list of earlier user turns,
strings) and 22 documents. It is checked only when the file exists.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPLITS = {"dev": HERE / "hanoi_dev.jsonl", "frz": HERE / "hanoi_frozen.jsonl"}
MINIMUMS = {"explicit": 25, "paraphrase": 35, "keyword": 15, "procedure": 20, "numbers_dates": 15,
            "validity": 10, "multi_article": 10, "unanswerable": 30}
ATTACHED = {"quyet-dinh-71-2025-QD-UBND-HN": "QUY CHẾ", "quyet-dinh-74-2025-QD-UBND-HN": "QUY ĐỊNH"}
OWN_ARTICLES_MAX = {"nghi-dinh-170-2025-ND-CP": 73}
THU_DO = "luat-thu-do-02-2026-QH16"
BLIND = HERE / "hanoi_blind.jsonl"
BLIND_MIN_PER_ANSWERABLE_TYPE, BLIND_MIN_UNANSWERABLE, BLIND_MIN_FOLLOWUPS = 8, 25, 20
BLIND_MIN_QUESTIONS, BLIND_MIN_DOCS = 130, 22


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


def load_corpus(folder: Path) -> dict[str, list[str]]:
    return {p.stem: nfc(p.read_text(encoding="utf-8")).splitlines() for p in sorted(folder.glob("*.txt"))}


def article_lines(lines: list[str], art: str) -> list[int]:
    pat = re.compile(r"^\s*Điều\s+" + re.escape(nfc(art)) + r"\.")
    return [i for i, line in enumerate(lines) if pat.match(line)]


def valid_history(h: object) -> bool:
    return isinstance(h, list) and bool(h) and all(isinstance(x, str) and x.strip() for x in h)


def check_gold(where: str, gold: list, corpus: dict[str, list[str]], errors: list[str], docs: Counter) -> None:
    for g in gold:
        doc, art = g.get("doc"), g.get("article")
        if doc not in corpus:
            errors.append(f"{where}: unknown doc {doc!r}")
            continue
        docs[doc] += 1
        if art is None:
            continue
        if not isinstance(art, str):
            errors.append(f"{where}: article must be a string or null")
            continue
        hits = article_lines(corpus[doc], art)
        if not hits:
            errors.append(f"{where}: no line 'Điều {art}.' in {doc}")
        if doc in ATTACHED:
            start = next((i for i, line in enumerate(corpus[doc]) if line.strip() == ATTACHED[doc]), None)
            if start is None or not any(i > start for i in hits):
                errors.append(f"{where}: Điều {art} not found in the attached {ATTACHED[doc]} of {doc}")
        if doc in OWN_ARTICLES_MAX and not (art.isdigit() and int(art) <= OWN_ARTICLES_MAX[doc]):
            errors.append(f"{where}: {doc} gold must be one of its own Điều 1–{OWN_ARTICLES_MAX[doc]}")


def check_row(where: str, row: dict, corpus: dict[str, list[str]], errors: list[str], docs: Counter) -> bool:
    """The checks every split shares (type, question, history, gold and answer); False when the row's gold
    or answerable field is malformed (the row is then not counted)."""
    t, gold = row.get("type"), row.get("gold")
    if t not in MINIMUMS:
        errors.append(f"{where}: unknown type {t!r}")
    if not isinstance(row.get("question"), str) or not row["question"].strip():
        errors.append(f"{where}: empty question")
    if "history" in row and not valid_history(row["history"]):
        errors.append(f"{where}: history must be a non-empty list of non-empty strings")
    if not isinstance(gold, list) or not isinstance(row.get("answerable"), bool):
        errors.append(f"{where}: gold must be a list and answerable a bool")
        return False
    if row["answerable"] != bool(gold):
        errors.append(f"{where}: answerable={row['answerable']} but {len(gold)} gold items")
    if t == "unanswerable" and (gold or row["answerable"] or row.get("answer")):
        errors.append(f"{where}: unanswerable row must have gold [], answerable false, answer ''")
    if t != "unanswerable" and (not gold or not row.get("answer")):
        errors.append(f"{where}: answerable row needs gold and an answer")
    if t == "multi_article" and len(gold) < 2:
        errors.append(f"{where}: multi_article needs two gold entries")
    check_gold(where, gold, corpus, errors, docs)
    return True


def check_blind(corpus: dict[str, list[str]], seen_ids: set[str], errors: list[str]) -> None:
    """Row checks and minimums for the blind set (ids bld-NNN); skipped when the file is absent."""
    if not BLIND.exists():
        print(f"blind set: {BLIND.name} not found, skipped")
        return
    c: Counter = Counter()
    docs: Counter = Counter()
    ids: set[str] = set()
    followups = 0
    for n, raw in enumerate(BLIND.read_text(encoding="utf-8").splitlines(), 1):
        where = f"{BLIND.name}:{n}"
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as exc:
            errors.append(f"{where}: bad JSON ({exc.msg})")
            continue
        if raw != unicodedata.normalize("NFC", raw):
            errors.append(f"{where}: text is not NFC")
        rid, t = row.get("id", ""), row.get("type")
        if not re.fullmatch(r"bld-\d{3}", rid) or rid in ids or rid in seen_ids:
            errors.append(f"{where}: bad or duplicate id {rid!r}")
        ids.add(rid)
        followups += "history" in row and valid_history(row["history"])
        if check_row(where, row, corpus, errors, docs):
            c[t] += 1
    n = sum(c.values())
    print(f"blind set: {n} questions, {followups} follow-ups (history), {len(docs)} of {len(corpus)} documents as gold")
    for t in MINIMUMS:
        need = BLIND_MIN_UNANSWERABLE if t == "unanswerable" else BLIND_MIN_PER_ANSWERABLE_TYPE
        print(f"  {t:14s} {c[t]:4d}  (min {need})")
        if c[t] < need:
            errors.append(f"blind type {t}: {c[t]} < {need}")
    if n < BLIND_MIN_QUESTIONS:
        errors.append(f"blind set: only {n} questions (< {BLIND_MIN_QUESTIONS})")
    if followups < BLIND_MIN_FOLLOWUPS:
        errors.append(f"blind set: only {followups} follow-ups (< {BLIND_MIN_FOLLOWUPS})")
    if len(docs) < BLIND_MIN_DOCS:
        errors.append(f"blind set: only {len(docs)} documents covered (< {BLIND_MIN_DOCS})")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=HERE.parents[2] / "shared" / "corpus" / "hanoi")
    args = ap.parse_args()
    corpus = load_corpus(args.corpus)
    errors: list[str] = []
    types_by_split: dict[str, Counter] = {}
    docs: Counter = Counter()
    total: Counter = Counter()
    thu_do = 0
    ids: set[str] = set()
    for prefix, path in SPLITS.items():
        c: Counter = Counter()
        for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            where = f"{path.name}:{n}"
            if not raw.strip():
                continue
            try:
                row = json.loads(raw)
            except json.JSONDecodeError as exc:
                errors.append(f"{where}: bad JSON ({exc.msg})")
                continue
            rid, t, gold = row.get("id", ""), row.get("type"), row.get("gold")
            if not re.fullmatch(prefix + r"-\d{3}", rid) or rid in ids:
                errors.append(f"{where}: bad or duplicate id {rid!r}")
            ids.add(rid)
            if not check_row(where, row, corpus, errors, docs):
                continue
            if any(g.get("doc") == THU_DO for g in gold):
                thu_do += 1
            c[t] += 1
        types_by_split[prefix] = c
        total.update(c)
    n = sum(total.values())
    dev, frz = types_by_split["dev"], types_by_split["frz"]
    print(f"questions: {n} (dev {sum(dev.values())}, frozen {sum(frz.values())})")
    for t, need in MINIMUMS.items():
        print(f"  {t:14s} {total[t]:4d}  (dev {dev[t]}, frozen {frz[t]}; min {need})")
        if total[t] < need:
            errors.append(f"type {t}: {total[t]} < {need}")
        for s, c in types_by_split.items():
            if c[t] == 0:
                errors.append(f"split {s} has no {t} question")
    print(f"documents used as gold: {len(docs)} of {len(corpus)}; Luật Thủ đô questions: {thu_do}")
    for d, k in sorted(docs.items(), key=lambda x: (-x[1], x[0])):
        print(f"  {k:3d}  {d}")
    if n < 190:
        errors.append(f"only {n} questions (< 190)")
    if len(docs) < 22:
        errors.append(f"only {len(docs)} documents covered (< 22)")
    if thu_do < 20:
        errors.append(f"only {thu_do} Luật Thủ đô questions (< 20)")
    check_blind(corpus, ids, errors)
    for e in errors:
        print("ERROR", e)
    print("OK" if not errors else f"{len(errors)} error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
