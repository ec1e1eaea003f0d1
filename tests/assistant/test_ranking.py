"""The ranking stages on hand-made inputs: no corpus, no model download."""

from __future__ import annotations

import math

import pytest

from assistant.retrieval.asked import Asked
from assistant.retrieval.ranking import (
    FEATURES,
    ArticleInfo,
    Candidate,
    QueryView,
    Ranker,
    aggregate_candidates,
    feature_row,
)
from assistant.retrieval.search import final_order


def test_aggregate_keeps_article_chunks_and_units_apart() -> None:
    lexical = [("d:dieu-7:k2", 10.0), ("d:dieu-7:0", 5.0), ("d:dieu-3:0", 8.0), ("d:dieu-7:k3", 2.0)]
    dense = [("d:dieu-3:0", 0.91), ("d:dieu-7:k2", 0.88), ("e:dieu-1:0", 0.80)]
    c = aggregate_candidates(lexical, dense)
    a7, a3, e1 = c["d:dieu-7"], c["d:dieu-3"], c["e:dieu-1"]
    assert a7.lex_unit == 1.0 and a7.lex_article == 0.5  # relative to the best lexical row
    assert a7.unit_hits == 2 and a7.best_lex_row == "d:dieu-7:0"  # the best *article chunk*
    assert a7.dense_unit == pytest.approx(0.88) and a7.dense_article == 0.0
    assert a3.dense_article == pytest.approx(0.91) and a3.best_dense_row == "d:dieu-3:0"
    # ranks by each side's best row per article
    assert (a7.lex_rank, a3.lex_rank, e1.lex_rank) == (0, 1, None)
    assert (a3.dense_rank, a7.dense_rank, e1.dense_rank) == (0, 1, 2)
    # unit scores on one scale: lexical relative, cosine rescaled from 0.75..0.92
    assert a7.unit_scores["d:dieu-7:k2"] == 1.0
    assert a7.unit_scores["d:dieu-7:k3"] == pytest.approx(0.2)


def _view(question: str, **kw) -> QueryView:
    return QueryView.build(question, lambda t: 2.0, kw.get("named", ()), kw.get("articles", ()),
                           kw.get("about_force", False))


def _info(text: str, **kw) -> ArticleInfo:
    return ArticleInfo(kw.get("id", "d:dieu-7"), kw.get("kind", "dieu"), kw.get("part", ""), kw.get("number", "7"),
                       kw.get("title", ""), tuple(kw.get("path", ())), text, kw.get("in_force", True))


def test_feature_row_reads_the_question_against_the_article() -> None:
    q = _view("Thời hạn giải quyết hồ sơ là bao nhiêu ngày?", named=["d"], articles=["7"])
    assert q.asked == Asked.DURATION
    c = Candidate("d:dieu-7", lex_article=0.5, lex_rank=0, dense_article=0.9, dense_rank=1, unit_hits=2)
    row = dict(zip(FEATURES, feature_row(c, q, _info("Điều 7. Thời hạn\nThời hạn giải quyết hồ sơ là 15 ngày "
                                                        "làm việc.", title="Thời hạn"), 0.95), strict=True))
    assert row["coverage"] == 1.0 and row["pair_coverage"] == pytest.approx(5 / 6)  # "sơ ngày" is not a pair there
    assert row["asked_stated"] == 1.0 and row["asked_missing"] == 0.0
    assert row["named_doc"] == 1.0 and row["other_doc_named"] == 0.0 and row["article_named"] == 1.0
    assert row["dense_gap"] == pytest.approx(0.05) and row["lex_rr"] == 1.0 and row["dense_rr"] == 0.5
    other = dict(zip(FEATURES, feature_row(Candidate("e:dieu-2"), q, _info("Điều 2. Phạm vi\nNghị định này quy "
                                                                           "định về công chức.", id="e:dieu-2",
                                                                           number="2", part="qd", in_force=False),
                                           0.95), strict=True))
    assert other["asked_missing"] == 1.0 and other["other_doc_named"] == 1.0 and other["article_named"] == 0.0
    assert other["decision_part"] == 1.0 and other["not_in_force"] == 1.0 and other["coverage"] < 0.3
    assert other["dense_gap"] == 0.3  # not found by the dense side at all


def test_effect_feature_depends_on_the_question() -> None:
    art = _info("Điều 30. Hiệu lực thi hành\nLuật này có hiệu lực từ ngày 01/9/2026.", title="Hiệu lực thi hành")
    force = dict(zip(FEATURES, feature_row(Candidate("d:dieu-7"), _view("còn hiệu lực không", about_force=True),
                                           art, 0.0), strict=True))
    plain = dict(zip(FEATURES, feature_row(Candidate("d:dieu-7"), _view("quy định về thời hạn"), art, 0.0),
                     strict=True))
    assert (force["effect_match"], force["effect_other"]) == (1.0, 0.0)
    assert (plain["effect_match"], plain["effect_other"]) == (0.0, 1.0)


def test_linear_ranker_scores_standardised_rows() -> None:
    n = len(FEATURES)
    coef = [0.0] * n
    coef[FEATURES.index("coverage")] = 2.0
    spec = {"features": list(FEATURES), "kind": "linear", "mean": [0.5] * n, "scale": [0.5] * n, "coef": coef,
            "intercept": -1.0}
    rows = [[0.0] * n, [1.0] * n]
    assert Ranker(spec).score(rows).tolist() == pytest.approx([-3.0, 1.0])


def test_ranker_refuses_a_model_of_other_features() -> None:
    with pytest.raises(ValueError, match="retrain"):
        Ranker({"features": ["lex"], "kind": "linear"})


def test_committed_model_loads_and_scores_every_feature() -> None:
    ranker = Ranker.load()
    scores = ranker.score([[0.0] * len(FEATURES), [1.0] * len(FEATURES)])
    assert scores.shape == (2,) and all(math.isfinite(s) for s in scores)
    assert ranker.spec["held_out"][ranker.spec["chosen"]]["dev_cv"]["n"] > 0


def test_final_order_puts_named_then_effect_articles_first() -> None:
    scores = {"a": 0.9, "b": 0.8, "c": 0.1, "d": 0.5}
    assert final_order(scores, pinned=["c"], effect=["d", "c"]) == ["c", "d", "a", "b"]
    assert final_order(scores, pinned=[], effect=[]) == ["a", "b", "d", "c"]
