"""Document and article views: what the widget needs to show a cited article.

A document the caller may not read (its access label is not among the caller's) does not exist
for that caller: absent from the list, 404 on its views — never 403, which would confirm it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from sqlalchemy import select

from assistant.api.auth import Permission, guard
from assistant.api.deps import IndexDep, RetrieverDep
from assistant.index.schema import ArticleRow, DocumentRow
from assistant.index.store import Index
from assistant.retrieval.naming import capitalised, document_full_name, unit_label
from assistant.retrieval.search import Retriever
from assistant.security.principal import Principal

router = APIRouter(prefix="/api/documents", tags=["documents"])


def not_found(message: str) -> HTTPException:
    return HTTPException(404, {"code": "not_found", "message": message})


def doc_summary(d: DocumentRow, retriever: Retriever, principal: Principal) -> dict[str, Any]:
    """A document's metadata with its force as the caller may know it: successors, amendments and
    evidence come from ``Retriever.validity`` with the caller's access labels, never from another place."""
    # Where the file lives on the server is the operator's business, not the reader's.
    public = {k: v for k, v in d.as_dict().items() if k not in ("source_path", "content_hash", "format")}
    return public | {
        "display_name": retriever.display_name(d.id),
        # with the trích yếu: the document view names what the text is about, never the catalogue's notes
        "full_name": document_full_name(d.title, d.doc_type, d.number, d.id),
    } | retriever.validity(d.id, principal.access_labels()).as_dict()


def article_view(a: ArticleRow) -> dict[str, Any]:
    return {
        "id": a.id,
        "key": a.key,
        "part": a.part,
        "kind": a.kind,
        "number": a.number,
        # inside its document's view a Điều is "Điều 2" (the crumbs name its Quy định / Mẫu), as its text begins
        "label": capitalised(unit_label(a.kind, a.number, "" if a.kind == "dieu" else a.part, a.title or "")),
        "title": a.title,
        "heading_path": a.heading_path,
    }


def readable_document(index: Index, doc_id: str, principal: Principal) -> DocumentRow:
    doc = index.get_document(doc_id)
    if doc is None or not principal.can_read(doc.access):
        raise not_found(f"Không có văn bản mã '{doc_id}'.")
    return doc


@router.get("")
def list_documents(index: IndexDep, retriever: RetrieverDep,
                   principal: Annotated[Principal, guard(Permission.DOCUMENTS)]) -> dict[str, Any]:
    retriever.refresh()
    return {"documents": [doc_summary(d, retriever, principal) for d in index.list_documents()
                          if principal.can_read(d.access)]}


@router.get("/{doc_id}")
def get_document(doc_id: str, index: IndexDep, retriever: RetrieverDep,
                 principal: Annotated[Principal, guard(Permission.DOCUMENTS)]) -> dict[str, Any]:
    doc = readable_document(index, doc_id, principal)
    retriever.refresh()
    return doc_summary(doc, retriever, principal) | {
        "articles": [article_view(a) for a in index.get_articles(doc_id)]}


@router.get("/{doc_id}/articles/{ref:path}")
def get_article(
    doc_id: str,
    ref: str,
    index: IndexDep,
    retriever: RetrieverDep,
    principal: Annotated[Principal, guard(Permission.ARTICLE)],
    khoan: Annotated[str | None, Query(description="Khoản cần làm nổi bật")] = None,
) -> dict[str, Any]:
    """``ref`` is a Điều number of the main body ("7", "35a") or an article key ("qd:dieu-2")."""
    doc = readable_document(index, doc_id, principal)
    key = f"dieu-{ref}" if ref[:1].isdigit() and ":" not in ref else ref
    with index.sessions() as s:
        art = s.scalars(select(ArticleRow).where(ArticleRow.id == f"{doc_id}:{key}")).first()
    if art is None:
        raise not_found(f"Văn bản '{doc_id}' không có {('Điều ' + ref) if key.startswith('dieu-') else ref}.")
    retriever.refresh()
    clauses = [
        {"number": c.get("number"), "points": c.get("points", []), "text": c.get("text", ""),
         "highlight": khoan is not None and c.get("number") == khoan}
        for c in art.clauses
    ]
    return {
        "document": doc_summary(doc, retriever, principal),
        "article": article_view(art) | {"text": art.text, "clauses": clauses},
        "highlight": khoan,
    }
