"""Token buckets by key (an agent id, a hashed client address): budgets that refill.

A bucket holds at most `burst` tokens and gains `rate` per second. `take` spends what it
may; the balance may go into debt by one spend (a download already under way is charged
by the chunk), and no spending is allowed while in debt. `wait_s` says how long until
the bucket is positive again, which is what a Retry-After header (RFC 9110 §10.2.3)
tells the client. At most `max_keys` keys are kept, the least recently used dropped
first, so a client cycling keys cannot grow the table without bound.
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

    def allowed(self, key: str) -> bool:
        """True while the key's bucket is not in debt (a new spend may start)."""
        return self._bucket(key).tokens > 0

    def take(self, key: str, amount: float = 1.0) -> bool:
        """Spend `amount` if the bucket is not in debt (it may go into debt); else False."""
        bucket = self._bucket(key)
        if bucket.tokens <= 0:
            return False
        bucket.tokens -= amount
        return True

    def wait_s(self, key: str) -> int:
        """Whole seconds until the key's bucket is positive again (at least 1)."""
        bucket = self._bucket(key)
        return max(1, math.ceil((1 - bucket.tokens) / self.rate)) if bucket.tokens <= 0 else 1

    def tokens(self, key: str) -> float:
        return self._bucket(key).tokens
