"""Integer-factor decimation for analyses that need only low frequencies (mains hum).

A linear-phase low-pass FIR (a Kaiser-windowed sinc, gain 1 in the pass band, −72 dB
in the stop band) runs polyphase: each output sample costs one short dot product
per block of `factor` input samples, all of them done as one matrix product. The output
rate stays at least `min_rate`, and everything that would alias into 0..`passband_hz`
lies in the stop band, so the low band's spectrum is that of the input.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from agentprobe.audio.dsp.products import SINGLE_THREAD_SIZE

STOPBAND_DB = 72.0  # aliases this far down cannot make a hum (see hum.py's floor)


def decimation_factor(rate: int, passband_hz: float, min_rate: int) -> int:
    """The largest factor dividing `rate` that keeps the output at `min_rate` or more."""
    if min_rate <= 2 * passband_hz:
        raise ValueError("the output rate must leave room for a transition band")
    return max(d for d in range(1, rate // min_rate + 1) if rate % d == 0)


def frame_factor(rate: int, frame_len: int, min_rate: int) -> int:
    """The largest factor dividing both `rate` and `frame_len` that keeps the output at
    `min_rate` or more, so whole frames decimate to whole blocks."""
    common = int(np.gcd(rate, frame_len))
    return max(d for d in range(1, rate // min_rate + 1) if common % d == 0)


@lru_cache(maxsize=8)
def _polyphase(rate: int, factor: int, passband_hz: float) -> NDArray[np.float32]:
    """The filter as a (factor, K) matrix: column k holds taps k·factor.. reversed."""
    out_rate = rate / factor
    transition = out_rate - 2.0 * passband_hz  # pass band edge to the first alias
    # Kaiser's formulas for the window's shape and the length that reaches STOPBAND_DB
    beta = 0.1102 * (STOPBAND_DB - 8.7)
    needed = (STOPBAND_DB - 8.0) / (2.285 * 2.0 * np.pi * transition / rate) + 1
    chunks = int(np.ceil(needed / factor))
    length = chunks * factor
    n = np.arange(length) - (length - 1) / 2.0
    taps = np.sinc(n / factor) * np.kaiser(length, beta)  # cut-off at the output's Nyquist
    taps /= taps.sum()
    return np.ascontiguousarray(taps.reshape(chunks, factor)[:, ::-1].T, dtype=np.float32)


class Decimator:
    """Feed blocks whose length is a multiple of `factor`; each returns its decimated part."""

    def __init__(
        self, rate: int, passband_hz: float, min_rate: int, factor: int | None = None
    ) -> None:
        """`factor`: a divisor of `rate` to use instead of the largest one that fits."""
        self.factor = factor or decimation_factor(rate, passband_hz, min_rate)
        self.out_rate = rate // self.factor
        self._filter = _polyphase(rate, self.factor, passband_hz) if self.factor > 1 else None
        chunks = self._filter.shape[1] if self._filter is not None else 1
        # the last K-1 blocks' products with every taps chunk, carried to the next call
        self._carry = np.zeros((chunks, chunks - 1), dtype=np.float32)

    @property
    def lag(self) -> int:
        """How many output samples the output lags the input (the FIR's centre, rounded)."""
        if self._filter is None:
            return 0
        centre = (self._filter.size - 1) / 2.0  # output m ends at input m·factor + factor − 1
        return round((centre - self.factor + 1) / self.factor)

    def taps(self) -> NDArray[np.float64]:
        """The FIR's impulse response (one tap of 1 when there is no decimation)."""
        if self._filter is None:
            return np.ones(1)
        return np.asarray(self._filter.T[:, ::-1].ravel(), dtype=np.float64)

    def feed(self, samples: NDArray[np.floating]) -> NDArray[np.float32]:
        samples = np.asarray(samples, dtype=np.float32)
        if self._filter is None:
            return samples
        blocks = samples.reshape(-1, self.factor)
        chunks, count = self._filter.shape[1], len(blocks)
        # partial[k, e]: taps chunk k against block e, after the carried K-1 blocks
        partial = np.empty((chunks, chunks - 1 + count), dtype=np.float32)
        partial[:, : chunks - 1] = self._carry
        step = max(1, SINGLE_THREAD_SIZE // self._filter.size)
        for first in range(0, count, step):
            rows = blocks[first : first + step]
            np.matmul(self._filter.T, rows.T, out=partial[:, chunks - 1 + first :][:, : len(rows)])
        # y[m] = Σ_k partial[k, m + K-1 - k]: block m-k through chunk k. Rows of length
        # L-1 laid over partial's L-long rows slide each row one place left, so those terms
        # line up in columns: one reduction over rows, added in the order k = 0, 1, ..
        width = partial.shape[1] - 1
        aligned = partial.reshape(-1)[chunks - 1 : chunks - 1 + chunks * width]
        out = np.add.reduce(aligned.reshape(chunks, width)[:, :count], axis=0)
        self._carry = partial[:, count:].copy()
        return np.asarray(out, dtype=np.float32)
