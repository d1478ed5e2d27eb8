"""Active speech level per ITU-T P.56 (03/2011) method B, computed as the audio streams.

The rectified signal is smoothed twice, sample by sample, with a 30 ms time constant:
p(i) = g·p(i−1) + (1−g)·|x(i)|, q(i) = g·q(i−1) + (1−g)·p(i). A sample counts as active
for threshold c_j when q reached c_j at that sample or within the 200 ms before it (the
hangover). With thresholds c_j = 2^j (6.02 dB apart) the active level is the total
energy over the active time where it sits M = 15.9 dB above the threshold, found by
linear interpolation between the thresholds that bracket it.

Vectorised, with no loop over samples: over a step of D samples (about 1 ms) the two
filters are linear, so their values at the step's end follow exactly from the values at
its start and two weighted sums of |x| over the step (one matrix product). The step-end
values then obey a first-order recurrence, solved for a whole block with a scaled
cumulative sum (all terms are positive, so there is no cancellation). The only
approximation is where q is looked at: at each step's end rather than at every sample,
a 1 ms grid against a 30 ms envelope (within 0.005 dB of the per-sample flow chart on
speech; see the tests). The hangover is exact: 200 ms is a whole number of steps, and
its running maximum is computed by doubling spans.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from agentprobe.audio.dsp.products import matmul_rows

TIME_CONSTANT_S = 0.03
HANGOVER_S = 0.2
MARGIN_DB = 15.9
LOWEST_EXPONENT = -25  # thresholds 2^-25 .. 2^0: −150 .. 0 dBFS
STEP_S = 0.001  # where the envelope is looked at
CHUNK_STEPS = 8000  # G^-8000 = e^267 at 1 ms steps: no overflow in the scaled sums

Floats = NDArray[np.float64]
Steps = NDArray[np.int8]
THRESHOLDS = 2.0 ** np.arange(LOWEST_EXPONENT, 1)  # c_j


@dataclass(frozen=True)
class ActiveLevel:
    """P.56 result: active level in dBFS (None when nothing is active) and activity (0–1)."""

    level_dbfs: float | None
    activity: float


@dataclass(frozen=True)
class _Plan:
    """Constants of the step recurrence for one (rate, frame length)."""

    group: int  # samples per step
    weights: NDArray[np.float32]  # (group, 2): |x| -> the two filters' step inputs
    couple_scaled: float  # how much of p at a step's start reaches q by its end, over G
    hangover: int  # steps
    powers: NDArray[np.float64]  # G^1 .. G^CHUNK_STEPS, G = g^group
    inverse: NDArray[np.float64]  # G^-1 .. G^-CHUNK_STEPS


@lru_cache(maxsize=8)
def _plan(rate: float, frame_len: int) -> _Plan:
    group = next(g for g in range(max(1, round(rate * STEP_S)), 0, -1) if frame_len % g == 0)
    g = float(np.exp(-1.0 / (rate * TIME_CONSTANT_S)))
    # sample l of a step (0..D-1) reaches the step's end through g^(D-1-l) in p, and
    # through (D-l)·g^(D-1-l) in q (once per later sample of the step)
    later = np.arange(group - 1, -1, -1, dtype=np.float64)
    to_p = (1.0 - g) * g**later
    to_q = (1.0 - g) * (later + 1.0) * to_p
    weights = np.stack([to_p, to_q], axis=1).astype(np.float32)
    gain = g**group
    hangover = round(HANGOVER_S * rate / group)
    powers = gain ** np.arange(1, CHUNK_STEPS + 1, dtype=np.float64)
    return _Plan(group, weights, (1.0 - g) * group, hangover, powers, 1.0 / powers)


class ActiveLevelMeter:
    """Feed frames of shape (n_frames, frame_len); read `result()` at any time."""

    def __init__(self, rate: float, frame_len: int) -> None:
        self._plan = _plan(rate, frame_len)
        self.group = self._plan.group
        self._p = 0.0  # the two filters' values at the last step's end
        self._q = 0.0
        self._recent = np.zeros(self._plan.hangover, dtype=np.int8)  # over the last 200 ms
        self._counts = np.zeros(-LOWEST_EXPONENT + 2, dtype=np.int64)
        self._energy = 0.0
        self._samples = 0

    def feed(self, frames: NDArray[np.floating], energy: float | None = None) -> None:
        """`energy`: Σx² of these frames, when the caller has it already (spectra)."""
        flat = np.asarray(frames, dtype=np.float32).ravel()
        if energy is None:
            energy = float(np.einsum("i,i->", flat, flat))  # not BLAS: see products.py
        self.feed_magnitudes(np.abs(flat), energy)

    def feed_magnitudes(self, magnitudes: NDArray[np.float32], energy: float) -> None:
        """Feed |x| of whole frames directly (the caller needed |x| too); `energy`: Σx²."""
        inputs = matmul_rows(magnitudes.reshape(-1, self.group), self._plan.weights)
        for first in range(0, len(inputs), CHUNK_STEPS):
            # one contiguous row per filter: the passes below run over rows, not columns
            chunk = np.ascontiguousarray(inputs[first : first + CHUNK_STEPS].T, dtype=np.float64)
            counts = np.bincount(
                self._hangover_max(_reached(self._envelope(chunk))), minlength=len(self._counts)
            )
            self._counts += counts * self.group  # each step stands for `group` samples
        self._energy += energy
        self._samples += magnitudes.size

    def _envelope(self, inputs: Floats) -> Floats:
        """q at each step's end, carrying both filters' state across blocks.

        `inputs` (2, steps) holds the two filters' step inputs; it is overwritten. Each
        filter obeys y[m] = G·y[m-1] + u[m], which is y[m] = G^(m+1)·Y[m] with the scaled
        sum Y[m] = y[-1] + Σ_(k≤m) u[k]·G^-(k+1) (one cumulative sum; all terms are positive,
        so nothing cancels). q's input adds couple·p[m-1]; scaled by G^-(m+1) that is
        couple/G·P[m-1], so p's scaled sums feed q directly and p itself is never formed.
        """
        plan = self._plan
        powers, inverse = plan.powers[: inputs.shape[1]], plan.inverse[: inputs.shape[1]]
        inputs *= inverse
        scaled_p = np.cumsum(inputs[0])  # P[m] = p[m]·G^-(m+1)
        scaled_p += self._p
        coupled = inputs[1]
        coupled[0] += plan.couple_scaled * self._p
        coupled[1:] += plan.couple_scaled * scaled_p[:-1]
        q = np.cumsum(coupled, out=coupled)
        q += self._q
        q *= powers
        self._p, self._q = float(powers[-1] * scaled_p[-1]), float(q[-1])
        return q

    def _hangover_max(self, reached: Steps) -> Steps:
        """Per step: the most thresholds reached in this step and the hangover before it."""
        history = np.concatenate([self._recent, reached])
        self._recent = history[len(reached) :]
        return _running_max(history, len(self._recent) + 1)

    def result(self) -> ActiveLevel:
        if self._samples == 0 or self._energy <= 0.0:
            return ActiveLevel(None, 0.0)
        # active[j]: samples whose envelope reached 2^(LOWEST_EXPONENT + j) within the hangover
        active = np.cumsum(self._counts[::-1])[::-1][1:]
        thresholds_db = 20.0 * np.log10(2.0) * (np.arange(len(active)) + LOWEST_EXPONENT)
        with np.errstate(divide="ignore"):
            levels = 10.0 * np.log10(self._energy / active)
        return _interpolate(levels, thresholds_db, active, self._samples)


def _reached(envelope: Floats) -> Steps:
    """How many thresholds each value reached (0: none, k: c_0 .. c_(k-1)).

    The thresholds are powers of two, so this is floor(log2 q), read from the float64
    exponent bits (0 and subnormals read as none).
    """
    exponent = (np.ascontiguousarray(envelope).view(np.int64) >> 52) - (1022 + LOWEST_EXPONENT)
    np.maximum(exponent, 0, out=exponent)
    np.minimum(exponent, len(THRESHOLDS), out=exponent)
    return exponent.astype(np.int8)


def _running_max(values: Steps, width: int) -> Steps:
    """max(values[i : i + width]) for every whole window.

    By doubling: maxima over 1, 2, 4 .. steps, each one long vectorised maximum of the last
    level against itself shifted, then two overlapping windows of the largest span cover
    `width`. About log2(width) passes of SIMD code; a running accumulate along short rows
    is several times slower.
    """
    count = len(values) - width + 1
    span, level = 1, values
    while 2 * span <= width:
        level = np.maximum(level[:-span], level[span:])  # level[i] = max(values[i : i + 2·span])
        span *= 2
    return np.maximum(level[:count], level[width - span : width - span + count])


def _interpolate(
    levels: Floats,
    thresholds_db: Floats,
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
