"""What the exchange gateway keeps between calls in one server process: catalog resources, department names,
masking rules and API clients for a few seconds (``ttl``), the grants a client may use for a resource for one
second (``grant_ttl``), and the rate limiter's buckets.

So a token revoked or expired stops within ``ttl`` seconds, a grant revoked within ``grant_ttl`` (its validity
dates are checked on every call); a masking rule changed in this process takes effect at once (``invalidate``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from tongban.exchange.call_rules import RateLimiter

V = TypeVar("V")

TTL_SECONDS = 5.0
GRANT_TTL_SECONDS = 1.0


class TtlCache(Generic[V]):
    """Values loaded on demand and kept for ``ttl`` seconds (thread-safe; a miss may load twice, harmlessly)."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic, *, max_entries: int = 10_000) -> None:
        self._ttl = ttl
        self._clock = clock
        self._max = max_entries
        self._entries: dict[Hashable, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, load: Callable[[], V]) -> V:
        """The cached value of ``key``, loaded with ``load()`` when missing or older than the TTL."""
        now = self._clock()
        entry = self._entries.get(key)
        if entry is not None and now - entry[0] < self._ttl:
            return entry[1]
        value = load()
        self.put(key, value)
        return value

    def peek(self, key: Hashable) -> V | None:
        """The cached value of ``key`` if it is fresh, else None (nothing is loaded)."""
        entry = self._entries.get(key)
        return entry[1] if entry is not None and self._clock() - entry[0] < self._ttl else None

    def put(self, key: Hashable, value: V) -> None:
        """Keep ``value`` for ``key`` from now on."""
        with self._lock:
            if len(self._entries) >= self._max:
                self._entries.clear()
            self._entries[key] = (self._clock(), value)

    def invalidate(self) -> None:
        """Forget everything: the next ``get`` of each key loads again."""
        with self._lock:
            self._entries.clear()


class GatewayState:
    """The caches and the rate limiter of one server process (tests build one per app)."""

    def __init__(self, ttl: float = TTL_SECONDS, grant_ttl: float = GRANT_TTL_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.grants: TtlCache[object] = TtlCache(grant_ttl, clock)
        self.resources: TtlCache[object] = TtlCache(ttl, clock)
        self.departments: TtlCache[dict[int, str]] = TtlCache(ttl, clock)
        self.rules: TtlCache[dict[str, str]] = TtlCache(ttl, clock)
        self.clients: TtlCache[object] = TtlCache(ttl, clock)
        self.limiter = RateLimiter()

    def invalidate(self) -> None:
        """Forget every cached value (after a change made in this process)."""
        for cache in (self.grants, self.resources, self.departments, self.rules, self.clients):
            cache.invalidate()
