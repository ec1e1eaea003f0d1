"""One evaluation run on an already built index: retrieval for the chosen systems, then answers.

Shared by `assistant eval`, the regression gate (`python -m evals.gate`) and `evals/run_full.py`, so
that all of them produce the same report dict (see ``run_eval``)."""

from __future__ import annotations

import hashlib
import platform
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[1]

# Settings recorded with every report (what the numbers were measured with).
SETTINGS_KEYS = (
    "fusion", "lexical_weight", "dense_weight", "rrf_k", "retrieval_candidates", "dense_floor", "dense_ceiling",
    "named_doc_boost", "article_number_boost", "annex_factor", "not_in_force_factor", "embedding_backend",
    "embedding_model", "decline_threshold", "answer_k", "llm_model",
)

Progress = Callable[[str, int, int], None]  # (task name, done, total)


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def ensure_index(settings: Settings, corpus: Path) -> list[Any]:
    """Ingest ``corpus`` into the (cached) index of ``settings`` and embed what is missing.

    Unchanged files are skipped, so on a cached index this only checks content hashes."""
    from assistant.embeddings import make_embedder
    from assistant.index.store import Index
    from ingest.pipeline import collect_files, ingest_files

    index = Index(settings)
    results = ingest_files(collect_files([corpus]), index, settings)
    index.sync_vectors(make_embedder(settings))
    index.engine.dispose()
    return results


def index_settings(corpus: Path, base: Settings | None = None) -> Settings:
    """Settings of the cached index of ``corpus`` (data/eval-cache/<folder>-<hash> under the project root
    unless ASSISTANT_DATA_DIR is absolute), as `assistant eval` uses when run from the project root."""
    from evals.corpus_cache import cached_settings

    base = base or Settings()
    if not base.data_dir.is_absolute():
        base = base.model_copy(update={"data_dir": ROOT / base.data_dir})
    return cached_settings(base, corpus)


def run_eval(
    settings: Settings,
    corpus: Path,
    rows: list[dict[str, Any]],
    systems: list[str],
    *,
    k: int = 10,
    answers: bool = True,
    golden: Path | None = None,
    progress: Progress | None = None,
    wrap_retriever: Callable[[Any], Any] | None = None,
    with_contexts: bool = False,
    naive_progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Evaluate ``rows`` against the index of ``settings`` (which must hold ``corpus``).

    ``wrap_retriever`` may replace the retriever (tests break retrieval on purpose with it).
    ``with_contexts`` keeps the retrieved texts per answer record for the LLM judge / ragas export."""
    from assistant.embeddings import make_embedder
    from assistant.index.store import Index
    from assistant.retrieval.search import Retriever
    from evals.naive_langchain import NaiveLangChain
    from evals.retrieval_eval import build_systems, evaluate

    started = time.perf_counter()
    index = Index(settings)
    embedder = make_embedder(settings)
    naive = None
    if "naive_langchain" in systems:
        naive = NaiveLangChain(index.vectors.client, corpus, embedder, progress=naive_progress)
    retriever: Any = Retriever(index, settings, embedder=embedder)
    if wrap_retriever is not None:
        retriever = wrap_retriever(retriever)
    retriever.search("khởi động", k=1)  # warm caches so latency reflects steady state
    from assistant.answering.service import AnswerService

    service = AnswerService(index, settings, retriever)

    def converse(question: str, history: list[str]) -> Any:
        """The question asked after its history, in one conversation of the answer service."""
        cid = None
        for turn in history:
            cid = service.answer(turn, cid).conversation_id
        return service.answer(question, cid)

    # A conversation's last question is searched as the service rewrote it (its standalone question).
    rows = [dict(r) for r in rows]
    for r in rows:
        if r.get("history"):
            cid = None
            for turn in r["history"]:
                cid = service.answer(turn, cid).conversation_id
            r["search_question"] = service.standalone(r["question"], cid)
    report = evaluate(rows, build_systems(retriever, systems, naive), k=k, progress=progress)
    if answers:
        from evals.answer_eval import evaluate_answers
        from evals.keyfacts import CorpusStats

        texts: dict[str, dict[str, str]] = {}

        def article_text(doc_id: str, key: str) -> str | None:
            if doc_id not in texts:
                texts[doc_id] = {a.key: a.text for a in index.get_articles(doc_id)}
            return texts[doc_id].get(key)

        for d in retriever.doc_ids():
            article_text(d, "")  # loads the document's articles
        stats = CorpusStats(text for arts in texts.values() for text in arts.values())
        report["answers"] = evaluate_answers(
            rows, converse, article_text,
            progress=(lambda d, t: progress("answers", d, t)) if progress else None,
            with_contexts=with_contexts, stats=stats)
    report["meta"] = run_meta(settings, corpus, golden, systems, k, answers, time.perf_counter() - started)
    report["corpus"] = str(corpus)
    report["golden"] = str(golden) if golden else None
    report["settings"] = {key: getattr(settings, key, None) for key in SETTINGS_KEYS}
    index.engine.dispose()
    return report


def run_meta(settings: Settings, corpus: Path, golden: Path | None, systems: list[str], k: int, answers: bool,
             duration_s: float) -> dict[str, Any]:
    return {
        "generated_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "duration_s": round(duration_s, 1),
        "corpus": str(corpus),
        "corpus_index": Path(settings.data_dir).name,  # <folder>-<content hash>: the index that was used
        "golden": str(golden) if golden else None,
        "golden_sha256": file_sha256(golden)[:16] if golden and golden.exists() else None,
        "systems": list(systems),
        "k": k,
        "answers": answers,
        "llm": bool(settings.llm_base_url),
        "host": f"{platform.node()} · Python {platform.python_version()}",
    }
