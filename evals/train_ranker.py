"""Train the ranking model: ``python -m evals.train_ranker [--out assistant/retrieval/ranker_model.json]``.

Training data (never the frozen or blind split):
* questions generated from every article of the corpus by ``evals/training_questions.py`` (seeded);
* the dev split(s) given with ``--golden`` (hand-written questions in the way staff ask).

For every question the retriever's own stages run (plan → candidates → feature rows, exactly as at search
time); the gold article's rows are the positives. Two model families are compared on held-out data —
a logistic regression (scikit-learn) and a LightGBM lambdarank model — and the better one by MRR@10 on the
held-out questions is written, with the feature list, the seed, the data counts and its held-out numbers.

Held-out numbers printed (and stored in the model file):
* ``generated_cv``: generated questions, 5 folds grouped by document (a document's questions are either
  all in training or all held out);
* ``dev_cv``: the dev split, 5 folds, each model trained on all generated questions plus the other dev folds;
* ``dev_unseen``: the dev split scored by a model trained on generated questions only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import pickle
import random
import sys
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import numpy as np

from assistant.retrieval.ranking import FEATURES, MODEL_PATH
from evals.retrieval_eval import gold_items, load_golden
from evals.runner import ROOT, ensure_index, index_settings

SEED = 13


@dataclass
class QueryRows:
    qid: str
    group: str  # what folds are grouped by (document of a generated question; the item for dev)
    source: str  # generated | dev
    ids: list[str]
    rows: list[list[float]]
    labels: list[int]
    # Article ranks of the gold over everything the stages retrieved (for candidates outside the pool).
    reachable: bool


def collect(retriever, questions: list[tuple[str, str, str, list[tuple[str, str | None]]]],
            numbers: dict[str, tuple[str, str]]) -> list[QueryRows]:
    """Feature rows of each (id, group, question, gold items) through the retriever's own stages."""
    out = []
    n_cand = retriever.settings.retrieval_candidates
    for i, (qid, group, question, gold) in enumerate(questions):
        plan = retriever.plan(question)
        gen = retriever.generate(plan, 2 * n_cand)
        _, _, _, ids, rows = retriever.feature_table(plan, gen)
        gold_set = set(gold)
        labels = []
        for aid in ids:
            doc, number = numbers.get(aid, ("", ""))
            labels.append(int((doc, number) in gold_set or (doc, None) in gold_set))
        out.append(QueryRows(qid, group, "dev" if qid.startswith("dev") else "generated", ids, rows, labels,
                             any(labels)))
        if (i + 1) % 200 == 0:
            print(f"  {i + 1}/{len(questions)} câu hỏi", file=sys.stderr)
    return out


def _stack(qs: list[QueryRows], weight: dict[str, float] | None = None):
    x, y, groups, w = [], [], [], []
    for q in qs:
        if not q.reachable:
            continue
        x.extend(q.rows)
        y.extend(q.labels)
        groups.append(len(q.rows))
        w.extend([(weight or {}).get(q.source, 1.0)] * len(q.rows))
    return np.asarray(x, dtype=np.float64), np.asarray(y), groups, np.asarray(w)


def fit(kind: str, qs: list[QueryRows], dev_weight: float = 1.0) -> dict:
    """A model spec (as ``Ranker`` reads it) trained on ``qs``."""
    x, y, groups, w = _stack(qs, {"dev": dev_weight})
    if kind == "linear":
        from sklearn.linear_model import LogisticRegression

        mean = x.mean(axis=0)
        scale = x.std(axis=0)
        scale[scale == 0] = 1.0
        model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000, random_state=SEED)
        model.fit((x - mean) / scale, y, sample_weight=w)
        return {"kind": "linear", "mean": mean.tolist(), "scale": scale.tolist(), "coef": model.coef_[0].tolist(),
                "intercept": float(model.intercept_[0])}
    import lightgbm

    # A dev question counts ``dev_weight`` times: its query group is repeated (lambdarank weighs groups).
    reps = max(1, round(dev_weight))
    x, y, groups, _ = _stack([q for q in qs for _ in range(reps if q.source == "dev" else 1)])
    model = lightgbm.LGBMRanker(n_estimators=200, learning_rate=0.05, num_leaves=15, min_child_samples=20,
                                subsample=0.8, subsample_freq=1, colsample_bytree=0.9, random_state=SEED,
                                deterministic=True, force_row_wise=True, n_jobs=1, verbose=-1)
    model.fit(x, y, group=groups)
    return {"kind": "lightgbm", "model": model.booster_.model_to_string()}


def evaluate(spec: dict, qs: list[QueryRows]) -> dict[str, float]:
    """R@1, R@5, R@10 and MRR@10 over the pool (a gold outside the pool counts as a miss)."""
    from assistant.retrieval.ranking import Ranker

    ranker = Ranker({**spec, "features": list(FEATURES)})
    r1 = r5 = r10 = mrr = 0.0
    for q in qs:
        if not q.rows:
            continue
        scores = ranker.score(q.rows)
        order = np.argsort(-scores, kind="stable")
        ranks = [i for i, j in enumerate(order) if q.labels[j]]
        if ranks:
            r = ranks[0]
            r1 += r < 1
            r5 += r < 5
            r10 += r < 10
            mrr += 1 / (r + 1) if r < 10 else 0.0
    n = max(len(qs), 1)
    return {"recall@1": round(r1 / n, 4), "recall@5": round(r5 / n, 4), "recall@10": round(r10 / n, 4),
            "mrr@10": round(mrr / n, 4), "n": len(qs)}


def folds(items: list[QueryRows], k: int, key) -> list[list[QueryRows]]:
    groups = sorted({key(q) for q in items})
    random.Random(SEED).shuffle(groups)
    assign = {g: i % k for i, g in enumerate(groups)}
    return [[q for q in items if assign[key(q)] == f] for f in range(k)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, action="append",
                    help="corpus folder(s) to generate questions from (default ../shared/corpus/hanoi)")
    ap.add_argument("--golden", type=Path, action="append",
                    help="dev split(s) to train on (default evals/golden/hanoi_dev.jsonl)")
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    ap.add_argument("--per-article", type=int, default=6)
    ap.add_argument("--dev-weight", type=float, default=10.0)
    args = ap.parse_args(argv)
    corpora = args.corpus or [ROOT.parent / "shared" / "corpus" / "hanoi"]
    goldens = args.golden or [ROOT / "evals" / "golden" / "hanoi_dev.jsonl"]
    for g in goldens:
        if any(w in g.name for w in ("frozen", "blind")):
            ap.error(f"{g.name}: the frozen and blind splits are never trained on")
    started = time.perf_counter()

    from sqlalchemy import select

    from assistant.embeddings import make_embedder
    from assistant.index.schema import ArticleRow
    from assistant.index.store import Index
    from assistant.retrieval.search import Retriever
    from evals.training_questions import generate

    everything: list[QueryRows] = []
    counts: dict[str, int] = {}
    for corpus in corpora:
        settings = index_settings(corpus)
        ensure_index(settings, corpus)
        index = Index(settings)
        retriever = Retriever(index, settings, embedder=make_embedder(settings))
        with index.sessions() as s:
            arts = list(s.execute(select(ArticleRow.id, ArticleRow.doc_id, ArticleRow.number, ArticleRow.kind,
                                         ArticleRow.part, ArticleRow.title, ArticleRow.text, ArticleRow.clauses)
                                  .order_by(ArticleRow.doc_id, ArticleRow.ordinal)))
        numbers = {a.id: (a.doc_id, a.number) for a in arts}
        # How people name a document: its type and number ("Nghị định 170/2025/NĐ-CP").
        shorts = {d: " ".join(x for x in (doc.row.doc_type, doc.row.number) if x)
                  for d, doc in retriever.catalogue().items()}
        generated = generate(((a.doc_id, shorts.get(a.doc_id, ""), a.number, a.title, a.text, a.clauses or [])
                              for a in arts if not a.part.startswith(("mau", "phu-luc"))),
                             seed=SEED, per_article=args.per_article)
        questions = [(f"gen-{corpus.name}-{i}", q.doc_id, q.question, [(q.doc_id, q.article_number)])
                     for i, q in enumerate(generated)]
        for g in goldens:
            if corpus.name in g.name or g.name.startswith(corpus.name.split("-")[0]):
                questions += [(r["id"], r["id"], r["question"], gold_items(r))
                              for r in load_golden(g) if r["answerable"] and r["gold"] and not r.get("history")]
        print(f"{corpus.name}: {len(questions)} câu hỏi huấn luyện", file=sys.stderr)
        # Feature rows are cached beside the index, keyed by everything they depend on.
        key = hashlib.sha256(json.dumps([settings.data_dir.name, FEATURES, questions, args.per_article,
                                         retriever.settings.ranker_candidates], ensure_ascii=False).encode())
        cache = settings.data_dir / f"ranker-rows-{key.hexdigest()[:16]}.pkl"
        if cache.exists():
            rows = [QueryRows(**r) for r in pickle.loads(cache.read_bytes())]
        else:
            rows = collect(retriever, questions, numbers)
            cache.write_bytes(pickle.dumps([asdict(r) for r in rows]))
        counts[corpus.name] = len(rows)
        everything.extend(rows)
        index.engine.dispose()

    gen_q = [q for q in everything if q.source == "generated"]
    dev_q = [q for q in everything if q.source == "dev"]
    report: dict[str, dict] = {}
    for kind in ("linear", "lightgbm"):
        cv = [evaluate(fit(kind, [q for j, f in enumerate(folds(gen_q, 5, lambda q: q.group)) if j != i for q in f]),
                       fold) for i, fold in enumerate(folds(gen_q, 5, lambda q: q.group))]
        dev_folds = folds(dev_q, 5, lambda q: q.group)
        dcv = [evaluate(fit(kind, gen_q + [q for j, f in enumerate(dev_folds) if j != i for q in f],
                            args.dev_weight), fold) for i, fold in enumerate(dev_folds) if fold]
        unseen = evaluate(fit(kind, gen_q), dev_q)

        def mean(parts: list[dict[str, float]]) -> dict[str, float]:
            n = sum(p["n"] for p in parts) or 1
            return {m: round(sum(p[m] * p["n"] for p in parts) / n, 4)
                    for m in ("recall@1", "recall@5", "recall@10", "mrr@10")} | {"n": n}

        report[kind] = {"generated_cv": mean(cv), "dev_cv": mean(dcv), "dev_unseen": unseen}
        print(f"{kind}: {json.dumps(report[kind], ensure_ascii=False)}")
    best = max(report, key=lambda k: (report[k]["dev_cv"]["mrr@10"], report[k]["generated_cv"]["mrr@10"]))
    spec = fit(best, everything, args.dev_weight)
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]
    spec = {
        "version": f"{date.today().isoformat()}-{best}-{digest}",
        "features": list(FEATURES),
        **spec,
        "trained_on": {"corpora": [c.name for c in corpora], "golden": [g.name for g in goldens],
                       "questions": counts, "generated": len(gen_q), "dev": len(dev_q), "seed": SEED,
                       "per_article": args.per_article, "dev_weight": args.dev_weight},
        "held_out": report,
        "chosen": best,
    }
    args.out.write_text(json.dumps(spec, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"chọn: {best}; đã ghi {args.out} ({args.out.stat().st_size // 1024} KB) "
          f"sau {math.ceil(time.perf_counter() - started)} giây")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
