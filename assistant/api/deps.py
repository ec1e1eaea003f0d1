"""Request dependencies, one place: handlers declare what they need with these aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from assistant.answering.service import AnswerService
from assistant.index.store import Index
from assistant.indexing import IndexingJob
from assistant.retrieval.search import Retriever


def get_index(request: Request) -> Index:
    return request.app.state.index


def get_job(request: Request) -> IndexingJob:
    return request.app.state.job


def get_retriever(request: Request) -> Retriever:
    return request.app.state.retriever


def get_answers(request: Request) -> AnswerService:
    return request.app.state.answers


IndexDep = Annotated[Index, Depends(get_index)]
JobDep = Annotated[IndexingJob, Depends(get_job)]
RetrieverDep = Annotated[Retriever, Depends(get_retriever)]
AnswersDep = Annotated[AnswerService, Depends(get_answers)]
