"""LLM-judged answer metrics (faithfulness, answer relevance) and the ragas dataset export.

The judge is any OpenAI-compatible chat endpoint (``settings.llm_base_url``), called through
langchain's ``ChatOpenAI`` as ``assistant/answering/llm.py`` does. Each answered record is judged
twice; the model must reply with a JSON object ``{"score": <0..1>, "reason": "..."}`` (a bare number,
or a score out of 5 / 10, is accepted too). Unparseable replies and failed calls are counted, not
guessed. Without an endpoint the judge is skipped with a one-line note.

``export_ragas`` writes one JSON object per line with the ragas column names: ``question``,
``answer``, ``contexts`` (list of retrieved texts) and ``ground_truth``."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.settings import Settings

log = logging.getLogger(__name__)

SKIP_NOTE = "Bỏ qua chấm điểm bằng LLM: chưa cấu hình máy chủ mô hình (ASSISTANT_LLM_BASE_URL)."
JUDGE_MAX_TOKENS = 200
CONTEXT_CHARS = 6000  # of all contexts together, per judge prompt

SYSTEM = (
    "Bạn là giám khảo đánh giá câu trả lời của một trợ lý tra cứu văn bản pháp luật Việt Nam. "
    "Chỉ trả lời bằng một đối tượng JSON duy nhất dạng {\"score\": <số từ 0 đến 1>, \"reason\": \"<một câu>\"}."
)
FAITHFULNESS = (
    "Tiêu chí: TRUNG THỰC. Mọi khẳng định trong câu trả lời có được các đoạn văn bản dưới đây hỗ trợ không? "
    "1 = mọi khẳng định đều có căn cứ trong văn bản; 0 = phần lớn không có căn cứ hoặc sai với văn bản.\n\n"
    "### Văn bản\n{contexts}\n\n### Câu hỏi\n{question}\n\n### Câu trả lời\n{answer}\n\nĐiểm (JSON):"
)
RELEVANCE = (
    "Tiêu chí: ĐÚNG TRỌNG TÂM. Câu trả lời có trả lời trực tiếp và đầy đủ câu hỏi không (không xét đúng sai "
    "của văn bản)? 1 = trả lời thẳng vào câu hỏi; 0 = lạc đề hoặc không trả lời.\n\n"
    "### Câu hỏi\n{question}\n\n### Câu trả lời\n{answer}\n\nĐiểm (JSON):"
)

_JSON = re.compile(r"\{.*?\}", re.DOTALL)
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:[.,]\d+)?)\s*(?:/\s*(\d+))?")


def parse_score(text: str) -> float | None:
    """A score in [0, 1] from the judge's reply, or None when there is none."""
    text = (text or "").strip()
    for m in _JSON.finditer(text):
        try:
            obj = json.loads(m.group(0))
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict) and isinstance(obj.get("score"), int | float | str):
            return _scale(obj["score"], None)
    m = _NUMBER.search(text)
    return _scale(m.group(1), m.group(2)) if m else None


def _scale(value: Any, out_of: str | None) -> float | None:
    try:
        v = float(str(value).replace(",", "."))
    except ValueError:
        return None
    top = float(out_of) if out_of else (1.0 if v <= 1 else 5.0 if v <= 5 else 10.0 if v <= 10 else 100.0)
    if top <= 0 or v < 0 or v > top:
        return None
    return round(v / top, 4)


def make_chat(settings: Settings) -> Any:
    from assistant.answering.llm import make_chat_model

    return make_chat_model(settings, temperature=0.0, max_tokens=JUDGE_MAX_TOKENS)

def _ask(chat: Any, prompt: str) -> tuple[float | None, str]:
    from langchain_core.messages import HumanMessage, SystemMessage

    from assistant.answering.llm import _content_text

    try:
        reply = chat.invoke([SystemMessage(content=SYSTEM), HumanMessage(content=prompt)])
    except Exception as exc:  # noqa: BLE001 - a failed call is counted, the run goes on
        log.warning("judge call failed: %s: %s", type(exc).__name__, exc)
        return None, "error"
    text = _content_text(getattr(reply, "content", ""))
    score = parse_score(text)
    return score, "ok" if score is not None else "unparsed"


def _contexts_text(contexts: list[str]) -> str:
    out, used = [], 0
    for i, c in enumerate(contexts, 1):
        room = CONTEXT_CHARS - used
        if room <= 0:
            break
        piece = c[:room]
        used += len(piece)
        out.append(f"[Đoạn {i}]\n{piece}")
    return "\n\n".join(out) or "(không có)"


def judge_answers(records: list[dict[str, Any]], settings: Settings, chat: Any | None = None,
                  progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Judge every answered (not declined) record that has ``contexts`` (``evaluate_answers(with_contexts=True)``).

    Adds ``judge_faithfulness`` / ``judge_relevance`` to the records; returns the summary."""
    if chat is None and not settings.llm_base_url:
        return {"skipped": SKIP_NOTE}
    chat = chat if chat is not None else make_chat(settings)
    todo = [r for r in records if not r.get("declined")]
    status = {"ok": 0, "unparsed": 0, "error": 0}
    faith, rel = [], []
    for i, r in enumerate(todo):
        answer = r.get("answer_full") or r.get("answer") or ""
        f, sf = _ask(chat, FAITHFULNESS.format(contexts=_contexts_text(r.get("contexts") or []),
                                               question=r["question"], answer=answer))
        a, sa = _ask(chat, RELEVANCE.format(question=r["question"], answer=answer))
        status[sf] += 1
        status[sa] += 1
        r["judge_faithfulness"], r["judge_relevance"] = f, a
        if f is not None:
            faith.append(f)
        if a is not None:
            rel.append(a)
        if progress:
            progress(i + 1, len(todo))
    return {
        "model": getattr(chat, "model_name", None) or settings.llm_model,
        "judged": len(todo),
        "faithfulness": round(sum(faith) / len(faith), 4) if faith else None,
        "answer_relevance": round(sum(rel) / len(rel), 4) if rel else None,
        "calls": status,
    }


def ragas_rows(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"question": r["question"], "answer": r.get("answer_full") or r.get("answer") or "",
             "contexts": list(r.get("contexts") or []), "ground_truth": r.get("ground_truth") or ""}
            for r in records]


def export_ragas(records: list[dict[str, Any]], path: Path) -> int:
    """Write the ragas dataset (JSONL); returns the number of rows."""
    rows = ragas_rows(records)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return len(rows)
