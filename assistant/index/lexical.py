"""Full-text index over chunks: FTS5 on SQLite, tsvector + GIN on PostgreSQL.

Each chunk is indexed four ways (see ``assistant.textproc``): its heading path (document, Chương,
Điều title), its syllables, pyvi words and the diacritic-folded form. Rows are written in the same
transaction as their chunks, so the lexical index never disagrees with SQL, and it can always be
rebuilt from the chunks table.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text

from assistant.textproc import fold, lexical_fields, syllables, words


@dataclass(frozen=True)
class LexicalWeights:
    heading: float = 2.0
    syllables: float = 1.0
    words: float = 1.5
    folded: float = 0.6


_FTS_COLUMNS = ["chunk_id", "doc_id", "access", "heading", "syllables", "words", "folded"]


def _is_pg(bind: Engine | Connection) -> bool:
    return bind.dialect.name == "postgresql"


def create(engine: Engine) -> None:
    """Create the full-text index; rebuild it from the chunks table when its layout changed."""
    with engine.begin() as conn:
        if _is_pg(conn):
            cols = [r[0] for r in conn.execute(text(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'chunk_lexical'"))]
            if cols and "access" not in cols:
                conn.execute(text("DROP TABLE chunk_lexical"))
                cols = []
            conn.execute(
                text(
                    "CREATE TABLE IF NOT EXISTS chunk_lexical ("
                    " chunk_id VARCHAR(320) PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE,"
                    " doc_id VARCHAR(200) NOT NULL,"
                    " access VARCHAR(100) NOT NULL,"
                    " heading_tsv tsvector NOT NULL,"
                    " tsv tsvector NOT NULL)"
                )
            )
            conn.execute(text("CREATE INDEX IF NOT EXISTS chunk_lexical_tsv ON chunk_lexical USING GIN (tsv)"))
            conn.execute(text("CREATE INDEX IF NOT EXISTS chunk_lexical_doc ON chunk_lexical (doc_id)"))
        else:
            cols = [r[1] for r in conn.execute(text("PRAGMA table_info(chunk_fts)"))]
            if cols and cols != _FTS_COLUMNS:
                conn.execute(text("DROP TABLE chunk_fts"))
                cols = []
            conn.execute(
                text(
                    "CREATE VIRTUAL TABLE IF NOT EXISTS chunk_fts USING fts5("
                    "chunk_id UNINDEXED, doc_id UNINDEXED, access UNINDEXED, heading, syllables, words, folded,"
                    " tokenize = 'unicode61 remove_diacritics 0')"
                )
            )
        if not cols:
            rebuild(conn)


def rebuild(conn: Connection) -> int:
    """Re-index every chunk from the chunks table."""
    rows = conn.execute(text("SELECT id, doc_id, heading_path, text, access FROM chunks")).all()

    def heading(v: object) -> str:
        return " ".join(v if isinstance(v, list) else json.loads(str(v or "[]")))

    return write(conn, ((r[0], r[1], heading(r[2]), r[3], r[4]) for r in rows))


def write(conn: Connection, rows: Iterable[tuple[str, str, str, str, str]]) -> int:
    """Index (chunk_id, doc_id, heading, body, access) rows, inside the transaction that writes the chunks."""
    params = []
    for chunk_id, doc_id, heading, body, access in rows:
        syl, wrd, fol = lexical_fields(body)
        head = " ".join(syllables(heading))
        params.append({"c": chunk_id, "d": doc_id, "a": access, "h": head, "s": syl, "w": wrd, "f": fol})
    if not params:
        return 0
    if _is_pg(conn):
        conn.execute(
            text(
                "INSERT INTO chunk_lexical (chunk_id, doc_id, access, heading_tsv, tsv) VALUES (:c, :d, :a,"
                " to_tsvector('simple', :h),"
                " setweight(to_tsvector('simple', :h), 'A') || setweight(to_tsvector('simple', :s), 'B')"
                " || setweight(to_tsvector('simple', :w), 'C') || setweight(to_tsvector('simple', :f), 'D'))"
            ),
            params,
        )
    else:
        conn.execute(
            text(
                "INSERT INTO chunk_fts (chunk_id, doc_id, access, heading, syllables, words, folded)"
                " VALUES (:c, :d, :a, :h, :s, :w, :f)"
            ),
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


def document_frequencies(conn: Connection) -> tuple[int, dict[str, int]]:
    """(number of chunks, term → number of chunks containing it) over the indexed vocabulary."""
    if _is_pg(conn):
        n = int(conn.execute(text("SELECT count(*) FROM chunk_lexical")).scalar_one())
        stat = "SELECT word, ndoc FROM ts_stat('SELECT tsv FROM chunk_lexical')"
        rows = conn.execute(text(stat)).all()
        return n, {r[0]: int(r[1]) for r in rows}
    vocab = "CREATE VIRTUAL TABLE IF NOT EXISTS temp.chunk_fts_vocab USING fts5vocab(main, chunk_fts, 'row')"
    conn.execute(text(vocab))
    n = int(conn.execute(text("SELECT count(*) FROM chunk_fts")).scalar_one())
    return n, {r[0]: int(r[1]) for r in conn.execute(text("SELECT term, doc FROM temp.chunk_fts_vocab"))}


def document_frequencies_by_access(conn: Connection) -> dict[str, tuple[int, dict[str, int]]]:
    """``document_frequencies`` per access label: what a caller's query may know of the vocabulary is
    the sum over the labels it may read — a word found only in documents it cannot read counts as
    absent (the query then never reads that word's postings, and the coverage is not moved by it)."""
    table = "chunk_lexical" if _is_pg(conn) else "chunk_fts"
    sizes = {r[0]: int(r[1]) for r in conn.execute(text(f"SELECT access, count(*) FROM {table} GROUP BY access"))}
    if len(sizes) <= 1:
        return {label: document_frequencies(conn) for label in sizes}
    n_all, whole = document_frequencies(conn)
    largest = max(sizes, key=lambda label: sizes[label])
    out: dict[str, tuple[int, dict[str, int]]] = {}
    if not _is_pg(conn):
        conn.execute(text("CREATE VIRTUAL TABLE IF NOT EXISTS temp.chunk_fts_inst USING fts5vocab(main, chunk_fts, "
                          "'instance')"))
    for label in sizes:
        if label == largest:
            continue  # the whole vocabulary less the others': one scan fewer
        if _is_pg(conn):
            inner = "SELECT tsv FROM chunk_lexical WHERE access = '" + label.replace("'", "''") + "'"
            rows = conn.execute(text("SELECT word, ndoc FROM ts_stat(:q)"), {"q": inner})
        else:
            rows = conn.execute(text(
                "SELECT term, count(DISTINCT doc) FROM temp.chunk_fts_inst"
                " WHERE doc IN (SELECT rowid FROM chunk_fts WHERE access = :a) GROUP BY term"), {"a": label})
        out[label] = (sizes[label], {r[0]: int(r[1]) for r in rows})
    rest = dict(whole)
    for _, freq in out.values():
        for term, k in freq.items():
            rest[term] = rest.get(term, 0) - k
    out[largest] = (sizes[largest], {t: k for t, k in rest.items() if k > 0})
    return out


def combine_frequencies(per_access: dict[str, tuple[int, dict[str, int]]],
                        labels: Sequence[str] | None) -> tuple[int, dict[str, int]]:
    """The document frequencies of the chunks a caller with these labels (None: all) may read."""
    parts = [v for label, v in per_access.items() if labels is None or label in labels]
    if len(parts) == 1:
        return parts[0]
    freq: dict[str, int] = {}
    for _, f in parts:
        for term, k in f.items():
            freq[term] = freq.get(term, 0) + k
    return sum(n for n, _ in parts), freq


def _terms(query: str, df: tuple[int, dict[str, int]] | None = None,
           max_df: float = 0.2, keep: int = 4) -> tuple[list[str], list[str], list[str]]:
    """Query terms per field. With document frequencies, terms found in more than ``max_df`` of
    chunks ("của", "quy", "định") are dropped — they barely move BM25 but make every chunk match —
    keeping at least the ``keep`` rarest."""
    syl = list(dict.fromkeys(syllables(query)))
    wrd = list(dict.fromkeys(words(query))) if syl else []
    fol = list(dict.fromkeys(fold(s) for s in syl))
    if df is not None and df[0]:
        n, freq = df

        def prune(terms: list[str]) -> list[str]:
            ranked = sorted(terms, key=lambda t: freq.get(t, 0))
            rare = set(ranked[:keep]) | {t for t in terms if freq.get(t, 0) <= max_df * n}
            return [t for t in terms if t in rare and freq.get(t, 0) > 0]

        syl, wrd, fol = prune(syl), prune(wrd), prune(fol)
    return syl, wrd, fol


def search(
    conn: Connection,
    query: str,
    k: int = 50,
    *,
    access: Sequence[str] | None = None,
    doc_ids: Sequence[str] | None = None,
    weights: LexicalWeights = LexicalWeights(),
    df: tuple[int, dict[str, int]] | None = None,
    max_df: float = 0.2,
    keep: int = 4,
) -> list[tuple[str, float]]:
    """Best chunks for the query as (chunk_id, score), higher is better.

    ``access`` and ``doc_ids`` restrict the query itself (never filtered afterwards)."""
    syl, wrd, fol = _terms(query, df, max_df, keep)
    if not (syl or wrd or fol):
        return []
    params: dict[str, object] = {"k": k}
    access_sql = ""  # filters on the full-text table's own columns
    # The filters are columns of the full-text table itself: no join to chunks.
    for column, values, tag in (("access", access, "a"), ("doc_id", doc_ids, "d")):
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
        top = max(w.heading, w.syllables, w.words, w.folded)
        params["wt"] = f"{{{w.folded / top},{w.words / top},{w.syllables / top},{w.heading / top}}}"
        sql = (
            "SELECT l.chunk_id, ts_rank(CAST(:wt AS float4[]), l.tsv, q) AS score"
            " FROM chunk_lexical l, to_tsquery('simple', :q) q"
            f" WHERE l.tsv @@ q{access_sql} ORDER BY score DESC LIMIT :k"
        )
    else:
        def group(col: str, terms: list[str]) -> str:
            quoted = " OR ".join('"' + t.replace('"', "") + '"' for t in terms)
            return f"{col} : ({quoted})" if terms else ""

        parts = [g for g in (group("{heading syllables}", syl), group("words", wrd), group("folded", fol)) if g]
        params["q"] = " OR ".join(parts)
        params["wh"], params["ws"] = weights.heading, weights.syllables
        params["ww"], params["wf"] = weights.words, weights.folded
        # FTS5's own ranking ("ORDER BY rank" with the weights set through "rank MATCH") is its fast
        # path; the filters are UNINDEXED columns of the same table, so no join is needed.
        sql = (
            "SELECT chunk_id, -rank AS score FROM chunk_fts"
            " WHERE chunk_fts MATCH :q AND rank MATCH 'bm25(0.0, 0.0, 0.0, ' || :wh || ', ' || :ws || ', '"
            f" || :ww || ', ' || :wf || ')'{access_sql} ORDER BY rank LIMIT :k"
        )
    return [(r[0], float(r[1])) for r in conn.execute(text(sql), params)]
