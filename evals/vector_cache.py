"""Fill the machine's passage-vector cache from an index that already has its vectors:
``python -m evals.vector_cache DATA_DIR [--cache DIR]`` (DATA_DIR holds index.sqlite3 and chroma/).

Every current vector of the index is stored under its model and the hash of its chunk's embed text
(assistant/embedding_cache.py), so that another index of the same texts — a fresh clone's test run — takes
them from the cache instead of embedding again."""

from __future__ import annotations

import argparse
from pathlib import Path

from assistant.embedding_cache import PassageCache, text_key
from assistant.index.reuse import CachedEmbedder
from assistant.index.store import Index
from assistant.settings import Settings


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "tro-ly-cong-vu")
    args = ap.parse_args(argv)
    index = Index(Settings(data_dir=args.data_dir.resolve(), embedding_cache_dir=None))
    source = CachedEmbedder.from_index(index)
    cache = PassageCache(args.cache)
    cache.put_many(source.name, ((text_key(t), v) for t, v in source._vectors.items()))
    print(f"{len(source)} vector của {source.name} đã ghi vào {cache.path} (tổng {cache.count(source.name)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
