"""Full-text index over chunks: FTS5 on SQLite, tsvector + GIN on PostgreSQL.

Each chunk is indexed three ways (see ``assistant.textproc``): syllables, pyvi words and the
diacritic-folded form. Rows are written in the same transaction as their chunks, so the lexical
index can never disagree with SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text

from assistant.textproc import fold, lexical_fields, syllables, words


@dataclass(frozen=True)
class LexicalWeights:
    syllables: float = 1.0
    words: float = 1.5
    folded: float = 0.6


def _is_pg(bind: Engine | Connection) -> bool:
    return bind.dialect.name == "postgresql"


def create(engine: Engine) -> None:
    with engine.begin() as conn:
        if _is_pg(conn):
            conn.execute(
                text(
                    "CREATE TABLE IF NOT EXISTS chunk_lexical ("
                    " chunk_id VARCHAR(320) PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE,"
                    " doc_id VARCHAR(200) NOT NULL,"
                    " tsv tsvector NOT NULL)"
                )
            )
            conn.execute(text("CREATE INDEX IF NOT EXISTS chunk_lexical_tsv ON chunk_lexical USING GIN (tsv)"))
            conn.execute(text("CREATE INDEX IF NOT EXISTS chunk_lexical_doc ON chunk_lexical (doc_id)"))
        else:
            conn.execute(
                text(
                    "CREATE VIRTUAL TABLE IF NOT EXISTS chunk_fts USING fts5("
                    "chunk_id UNINDEXED, doc_id UNINDEXED, syllables, words, folded,"
                    " tokenize = 'unicode61 remove_diacritics 0')"
                )
            )


def write(conn: Connection, rows: Iterable[tuple[str, str, str]]) -> int:
    """Index (chunk_id, doc_id, text) rows. Call inside the transaction that writes the chunks."""
    params = []
    for chunk_id, doc_id, body in rows:
        syl, wrd, fol = lexical_fields(body)
        params.append({"c": chunk_id, "d": doc_id, "s": syl, "w": wrd, "f": fol})
    if not params:
        return 0
    if _is_pg(conn):
        conn.execute(
            text(
                "INSERT INTO chunk_lexical (chunk_id, doc_id, tsv) VALUES (:c, :d,"
                " setweight(to_tsvector('simple', :s), 'A') || setweight(to_tsvector('simple', :w), 'B')"
                " || setweight(to_tsvector('simple', :f), 'C'))"
            ),
            params,
        )
    else:
        conn.execute(
            text("INSERT INTO chunk_fts (chunk_id, doc_id, syllables, words, folded) VALUES (:c, :d, :s, :w, :f)"),
            params,
        )
    return len(params)


def delete_document(conn: Connection, doc_id: str) -> None:
    if _is_pg(conn):
        conn.execute(text("DELETE FROM chunk_lexical WHERE doc_id = :d"), {"d": doc_id})
    else:
        conn.execute(text("DELETE FROM chunk_fts WHERE doc_id = :d"), {"d": doc_id})


def count(conn: Connection) -> int:
    table = "chunk_lexical" if _is_pg(conn) else "chunk_fts"
    return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def _terms(query: str) -> tuple[list[str], list[str], list[str]]:
    syl = list(dict.fromkeys(syllables(query)))
    wrd = list(dict.fromkeys(words(query))) if syl else []
    fol = list(dict.fromkeys(fold(s) for s in syl))
    return syl, wrd, fol


def search(
    conn: Connection,
    query: str,
    k: int = 50,
    *,
    access: Sequence[str] | None = None,
    doc_ids: Sequence[str] | None = None,
    weights: LexicalWeights = LexicalWeights(),
) -> list[tuple[str, float]]:
    """Best chunks for the query as (chunk_id, score), higher is better.

    ``access`` and ``doc_ids`` restrict the query itself (never filtered afterwards)."""
    syl, wrd, fol = _terms(query)
    if not syl:
        return []
    params: dict[str, object] = {"k": k}
    access_sql = ""
    for column, values, tag in (("c.access", access, "a"), ("c.doc_id", doc_ids, "d")):
        if values is None:
            continue
        if not values:
            return []
        names = [f"{tag}{i}" for i in range(len(values))]
        access_sql += f" AND {column} IN (" + ", ".join(f":{n}" for n in names) + ")"
        params.update(dict(zip(names, values, strict=True)))
    if _is_pg(conn):
        terms = [*syl, *wrd, *fol]
        params["q"] = " | ".join(dict.fromkeys(t.replace("'", "") for t in terms))
        w = weights
        params["wt"] = f"{{0,{w.folded / 2},{w.words / 2},{w.syllables / 2}}}"
        sql = (
            "SELECT l.chunk_id, ts_rank(CAST(:wt AS float4[]), l.tsv, q) AS score"
            " FROM chunk_lexical l JOIN chunks c ON c.id = l.chunk_id,"
            " to_tsquery('simple', :q) q"
            f" WHERE l.tsv @@ q{access_sql} ORDER BY score DESC LIMIT :k"
        )
    else:
        def group(col: str, terms: list[str]) -> str:
            quoted = " OR ".join('"' + t.replace('"', "") + '"' for t in terms)
            return f"{col} : ({quoted})" if terms else ""

        parts = [g for g in (group("syllables", syl), group("words", wrd), group("folded", fol)) if g]
        params["q"] = " OR ".join(parts)
        params["ws"], params["ww"], params["wf"] = weights.syllables, weights.words, weights.folded
        sql = (
            "SELECT f.chunk_id, -bm25(chunk_fts, 0.0, 0.0, :ws, :ww, :wf) AS score"
            " FROM chunk_fts f JOIN chunks c ON c.id = f.chunk_id"
            f" WHERE chunk_fts MATCH :q{access_sql} ORDER BY score DESC LIMIT :k"
        )
    return [(r[0], float(r[1])) for r in conn.execute(text(sql), params)]
