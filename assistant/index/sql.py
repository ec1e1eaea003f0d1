"""Engine and session factory for SQLite (default) or PostgreSQL.

Schema changes: tables are created when missing, and a nullable column added to a model later is
added in place to an existing database at start (``add_missing_columns``). Anything else (a new
NOT NULL column, a changed type) needs a migration of its own.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from assistant.index import lexical
from assistant.index.schema import Base

log = logging.getLogger(__name__)


def make_engine(url: str, connect_timeout: int | None = None) -> Engine:
    """``connect_timeout`` (PostgreSQL, seconds): a stopped or unreachable server fails fast."""
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    connect_args = {"connect_timeout": connect_timeout} if connect_timeout and url.startswith("postgresql") else {}
    # pre_ping: connections dropped by a database restart are replaced, not handed to a request.
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10, connect_args=connect_args)


def init_schema(engine: Engine) -> None:
    # Two processes may open a new index at once (CLI and service); the loser of the race retries.
    for attempt in range(3):
        try:
            Base.metadata.create_all(engine)
            add_missing_columns(engine)
            lexical.create(engine)
            return
        except (OperationalError, ProgrammingError, IntegrityError):
            if attempt == 2:
                raise
            time.sleep(0.2)


def add_missing_columns(engine: Engine) -> list[str]:
    """Add the nullable columns a model gained since the database was created; returns "table.column"s."""
    inspector = inspect(engine)
    existing = set(inspector.get_table_names())
    preparer = engine.dialect.identifier_preparer
    added: list[str] = []
    for table in Base.metadata.sorted_tables:
        if table.name not in existing:
            continue
        have = {c["name"] for c in inspector.get_columns(table.name)}
        missing = [c for c in table.columns if c.name not in have]
        for column in missing:
            if not column.nullable:
                raise RuntimeError(f"column {table.name}.{column.name} is missing and NOT NULL: migrate the database")
            kind = column.type.compile(dialect=engine.dialect)
            with engine.begin() as conn:
                conn.execute(text(f"ALTER TABLE {preparer.format_table(table)} ADD COLUMN "
                                  f"{preparer.format_column(column)} {kind}"))
            added.append(f"{table.name}.{column.name}")
    if added:
        log.info("added columns to an existing database: %s", ", ".join(added))
    return added


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
