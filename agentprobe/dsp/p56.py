"""Active speech level per ITU-T P.56 (03/2011) method B, computed as the audio streams.

The signal's rectified envelope is smoothed twice with a 30 ms time constant; a sample
counts as active for threshold c_j when the envelope reached c_j within the last 200 ms
(the hangover). With thresholds c_j = 2^j (6.02 dB apart) the active level is the total
energy over the active time where it sits M = 15.9 dB above the threshold, found by
linear interpolation between the thresholds that bracket it.

Streaming: each block of whole frames updates the envelope state and a histogram of
"highest threshold reached within the hangover", so memory does not grow with time.
Two approximations keep it cheap, both far inside the 30 ms time constant: the envelope
is evaluated every 0.5 ms (on the mean of |x| over 0.5 ms), and the hangover is
quantised to whole 20 ms frames (200–220 ms instead of exactly 200).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

TIME_CONSTANT_S = 0.03
HANGOVER_S = 0.2
MARGIN_DB = 15.9
LOWEST_EXPONENT = -25  # thresholds 2^-25 .. 2^0: −150 .. 0 dBFS
STEP_S = 0.0005  # envelope step
CHUNK_FRAMES = 100  # G^-100 = e^67 at most: no overflow


@dataclass(frozen=True)
class ActiveLevel:
    """P.56 result: active level in dBFS (None when nothing is active) and activity (0–1)."""

    level_dbfs: float | None
    activity: float


class ActiveLevelMeter:
    """Feed frames of shape (n_frames, frame_len); read `result()` at any time."""

    def __init__(self, rate: float, frame_len: int) -> None:
        self.group = next(
            g for g in range(max(1, round(rate * STEP_S)), 0, -1) if frame_len % g == 0
        )
        steps = frame_len // self.group
        self.g = float(np.exp(-self.group / (rate * TIME_CONSTANT_S)))
        k = np.arange(steps, dtype=np.float64)
        self._up = self.g ** (-k)  # g^-k: at most e^(20 ms / 30 ms), so no overflow
        self._down = self.g**k
        self._carry = self.g ** (k + 1)
        self._frame_gain = self.g**steps
        self._state = np.zeros(2)  # the two envelope filters' last outputs
        self._recent = np.zeros(max(1, round(HANGOVER_S * rate / frame_len)))
        self._counts = np.zeros(-LOWEST_EXPONENT + 2, dtype=np.int64)
        self._energy = 0.0
        self._samples = 0

    def feed(self, frames: NDArray[np.floating]) -> None:
        rectified = np.abs(frames).reshape(len(frames), -1, self.group)
        envelope = rectified.mean(axis=2, dtype=np.float64)
        for stage in range(2):
            envelope = self._smooth(envelope, stage)
        self._count(self._hangover_max(envelope))
        flat = frames.ravel()
        self._energy += float(np.dot(flat, flat))
        self._samples += frames.size

    def _smooth(self, u: NDArray[np.float64], stage: int) -> NDArray[np.float64]:
        """y[n] = g·y[n-1] + (1-g)·u[n] on every frame, carrying state across frames."""
        zero_state = (1.0 - self.g) * self._down * np.cumsum(u * self._up, axis=1)
        starts = np.empty(len(u))
        for first in range(0, len(u), CHUNK_FRAMES):
            ends = zero_state[first : first + CHUNK_FRAMES, -1]
            starts[first : first + len(ends)], self._state[stage] = self._frame_starts(
                ends, float(self._state[stage])
            )
        return zero_state + starts[:, None] * self._carry

    def _frame_starts(self, ends: NDArray[np.float64], state: float) -> tuple[NDArray, float]:
        """Each frame's starting state: s_f = G^f·s_0 + Σ_{j<f} G^(f-1-j)·end_j, G = g^frame.

        Solved with the same scaling trick as within a frame; CHUNK_FRAMES keeps G^-f finite.
        """
        powers = self._frame_gain ** np.arange(len(ends) + 1)
        sums = np.concatenate([[0.0], np.cumsum(ends / powers[1:])])
        starts = powers * (state + sums)
        return starts[:-1], float(starts[-1])

    def _hangover_max(self, envelope: NDArray[np.float64]) -> NDArray[np.float64]:
        """Per sample: the envelope's maximum over the current frame so far and the hangover."""
        running = np.maximum.accumulate(envelope, axis=1)
        history = np.concatenate([self._recent, envelope.max(axis=1)])
        window = len(self._recent)
        previous = sliding_window_view(history, window)[: len(envelope)].max(axis=1)
        self._recent = history[-window:]
        return np.maximum(running, previous[:, None])

    def _count(self, reached: NDArray[np.float64]) -> None:
        exponent = np.frexp(reached)[1] - 1  # floor(log2(x)) for x > 0
        exponent[reached <= 0] = LOWEST_EXPONENT - 1
        index = np.clip(exponent - LOWEST_EXPONENT, -1, -LOWEST_EXPONENT).astype(np.int64) + 1
        counts = np.bincount(index.ravel(), minlength=len(self._counts))
        self._counts += counts * self.group  # each envelope step stands for `group` samples

    def result(self) -> ActiveLevel:
        if self._samples == 0 or self._energy <= 0.0:
            return ActiveLevel(None, 0.0)
        # active[j]: samples whose envelope reached 2^(LOWEST_EXPONENT + j) within the hangover
        active = np.cumsum(self._counts[::-1])[::-1][1:]
        thresholds_db = 20.0 * np.log10(2.0) * (np.arange(len(active)) + LOWEST_EXPONENT)
        with np.errstate(divide="ignore"):
            levels = 10.0 * np.log10(self._energy / active)
        return _interpolate(levels, thresholds_db, active, self._samples)


def _interpolate(
    levels: NDArray[np.float64],
    thresholds_db: NDArray[np.float64],
    active: NDArray[np.int64],
    samples: int,
) -> ActiveLevel:
    """Find where level − threshold falls to the margin, between two thresholds."""
    margin = levels - thresholds_db
    below = np.nonzero((margin <= MARGIN_DB) | (active == 0))[0]
    if below.size == 0 or below[0] == 0:
        return ActiveLevel(None, 0.0)
    j = int(below[0])
    if active[j] == 0:  # the signal never reached this threshold: take the last one it did
        return ActiveLevel(float(levels[j - 1]), float(active[j - 1]) / samples)
    share = (margin[j - 1] - MARGIN_DB) / (margin[j - 1] - margin[j])
    level = levels[j - 1] + share * (levels[j] - levels[j - 1])
    activity = active[j - 1] + share * (active[j] - active[j - 1])
    return ActiveLevel(float(level), float(activity) / samples)
