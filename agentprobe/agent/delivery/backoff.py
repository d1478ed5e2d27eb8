"""How long to wait before the next upload attempt: exponential backoff with full jitter.

Pure arithmetic, so a fleet that lost its collector at the same moment spreads its
retries out instead of returning in lockstep. A collector's Retry-After is a floor.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """Delays in seconds: after n failures wait uniform(c/2, c), c = min(cap, base * 2**n)."""

    base_s: float = 2.0
    cap_s: float = 60.0

    def delay(self, failures: int, rng: random.Random, retry_after: float | None = None) -> float:
        ceiling = min(self.cap_s, self.base_s * 2 ** min(failures, 30))
        wait = rng.uniform(ceiling / 2, ceiling)
        return max(wait, retry_after or 0.0)
