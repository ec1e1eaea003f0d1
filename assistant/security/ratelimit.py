"""Fixed-window request counters per caller: in Redis when ``ASSISTANT_REDIS_URL`` is set (several
workers share the count), in process otherwise. A Redis outage falls back to the in-process
counter (logged) rather than refusing every request.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    count: int
    retry_after: int  # seconds until the window resets

    @property
    def remaining(self) -> int:
        return max(self.limit - self.count, 0)


class MemoryRateLimiter:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._counts: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int, window: int) -> Decision:
        now = self.clock()
        slot = int(now // window)
        with self._lock:
            seen_slot, count = self._counts.get(key, (slot, 0))
            count = count + 1 if seen_slot == slot else 1
            self._counts[key] = (slot, count)
            if len(self._counts) > 50_000:  # forget callers of past windows
                self._counts = {k: v for k, v in self._counts.items() if v[0] == slot}
        return Decision(count <= limit, limit, count, max(1, math.ceil((slot + 1) * window - now)))


class RedisRateLimiter:
    def __init__(self, url: str, prefix: str, fallback: MemoryRateLimiter | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        import redis

        self.client: Any = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.prefix = prefix
        self.clock = clock
        self.fallback = fallback or MemoryRateLimiter(clock)
        self._warned = 0.0

    def hit(self, key: str, limit: int, window: int) -> Decision:
        import redis

        now = self.clock()
        slot = int(now // window)
        name = f"{self.prefix}rl:{key}:{slot}"
        try:
            pipe = self.client.pipeline()
            pipe.incr(name)
            pipe.expire(name, window + 1)
            count = int(pipe.execute()[0])
        except redis.RedisError as exc:
            if now - self._warned > 60:
                self._warned = now
                log.warning("Redis không truy cập được (%s); tạm đếm giới hạn tần suất trong tiến trình.", exc)
            return self.fallback.hit(key, limit, window)
        return Decision(count <= limit, limit, count, max(1, math.ceil((slot + 1) * window - now)))


RateLimiter = MemoryRateLimiter | RedisRateLimiter


def make_rate_limiter(redis_url: str | None, prefix: str) -> RateLimiter:
    return RedisRateLimiter(redis_url, prefix) if redis_url else MemoryRateLimiter()
