"""Token buckets by key (an agent id, a hashed client address): budgets that refill.

A bucket holds at most `burst` tokens and gains `rate` per second. A spend may start while
the bucket holds enough tokens, and may take it into debt (a download already under way
is charged by the chunk). `wait_s` says how long until it holds enough again, which is
what a Retry-After header (RFC 9110 §10.2.3) tells the client. At most `max_keys` keys
are kept, the least recently used dropped first, so a client cycling keys cannot grow
the table without bound.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

MAX_KEYS = 100_000


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class KeyedBuckets:
    """One token bucket per key: `burst` tokens at most, `rate` tokens per second."""

    def __init__(
        self,
        rate: float,
        burst: float,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = MAX_KEYS,
    ) -> None:
        self.rate, self.burst, self.clock, self.max_keys = rate, burst, clock, max_keys
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def _bucket(self, key: str) -> _Bucket:
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            while len(self._buckets) >= self.max_keys:
                self._buckets.popitem(last=False)
            bucket = self._buckets[key] = _Bucket(self.burst, now)
        else:
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
            bucket.stamp = now
            self._buckets.move_to_end(key)
        return bucket

    def allowed(self, key: str, need: float = 1.0) -> bool:
        """True while the key's bucket holds at least `need` tokens (a spend may start)."""
        return self._bucket(key).tokens >= need

    def take(self, key: str, amount: float = 1.0) -> bool:
        """Spend `amount` (possibly into debt) if a spend may start; else False."""
        bucket = self._bucket(key)
        if bucket.tokens < 1:
            return False
        bucket.tokens -= amount
        return True

    def wait_s(self, key: str, need: float = 1.0) -> int:
        """Whole seconds until the key's bucket holds `need` tokens again (at least 1)."""
        tokens = self._bucket(key).tokens
        return max(1, math.ceil((need - tokens) / self.rate))

    def tokens(self, key: str) -> float:
        return self._bucket(key).tokens
