"""The A-weighted low band (below 300 Hz) of each 20 ms frame, from the decimated signal.

A 20 ms frame's spectrum has 50 Hz bins, too coarse for the steep low end of IEC 61672-1
A-weighting (−39.4 dB at 31.5 Hz, −30.2 dB at 50 Hz, −19.1 dB at 100 Hz): a hum's leakage
into higher bins is weighted up and reads several dB too loud. So the band below the
crossover is weighted in the time domain instead, on the signal already decimated to about
1 kHz for the hum detector: a linear-phase FIR fitted by least squares to A(f)·C(f), where
C is a raised-cosine crossover from 1 below 150 Hz to 0 above 300 Hz (within 0.1 dB of the
standard's response from 20 to 300 Hz). The frame FFT weights the rest by (1 − C(f)²)·A(f)²
in power.

Each frame's low-band energy is y² weighted by a 40 ms Hann window centred on the frame;
those windows overlap by half and sum to one, so the energies add up to the band's total
while a low tone's frame levels stay within 0.1 dB of its level (a 20 ms rectangle of a
31.5 Hz tone holds 0.63 cycles and its level swings ±0.8 dB).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from agentprobe.audio.dsp.products import matmul_rows
from agentprobe.audio.dsp.weighting import a_weighting_db

CROSSOVER_HZ = (150.0, 300.0)
HALF_TAPS = 32  # the FIR has 2·32 + 1 taps: ±32 ms at 1 kHz
GRID = 1000  # frequencies the least-squares fit looks at (0.5 Hz apart at 1 kHz)
TONE_CHUNK = 64  # tones at a time when fitting the crossover gains: small temporaries


def crossover(freqs_hz: NDArray[np.float64]) -> NDArray[np.float64]:
    """C(f): 1 below CROSSOVER_HZ[0], 0 above CROSSOVER_HZ[1], a raised cosine between."""
    low, high = CROSSOVER_HZ
    share = np.clip((np.asarray(freqs_hz, dtype=np.float64) - low) / (high - low), 0.0, 1.0)
    return np.asarray(0.5 + 0.5 * np.cos(np.pi * share), dtype=np.float64)


@lru_cache(maxsize=8)
def low_band_taps(rate: int) -> NDArray[np.float64]:
    """Symmetric FIR taps (2·HALF_TAPS + 1) whose response at `rate` Hz is A(f)·C(f).

    Fitted on relative error (so −40 dB at 31.5 Hz is as exact as 0 dB), with extra weight
    below 20 Hz and above the crossover, where the response must stay near zero.
    """
    freqs = np.linspace(0.0, rate / 2.0, GRID)
    with np.errstate(divide="ignore"):
        target = 10.0 ** (a_weighting_db(freqs) / 20.0) * crossover(freqs)
    target[0] = 0.0
    weight = np.where(freqs < 20.0, 30.0, 1.0 / np.maximum(target, 1e-3))
    weight = np.where(freqs > CROSSOVER_HZ[1], 10.0, weight)
    lags = np.arange(HALF_TAPS + 1)
    basis = np.cos(2.0 * np.pi * np.outer(freqs, lags) / rate)
    basis[:, 1:] *= 2.0  # h[m] and h[−m] together
    half = least_squares(basis * weight[:, None], target * weight)
    return np.concatenate([half[:0:-1], half])


@lru_cache(maxsize=8)
def _energy_window(per_frame: int) -> NDArray[np.float64]:
    """A periodic Hann window two frames long (its halves overlap to exactly 1), over the
    frame length, so windowed energies are mean squares over a frame."""
    return np.asarray(np.hanning(2 * per_frame + 1)[:-1] / per_frame, dtype=np.float64)


class LowBand:
    """Per-frame A-weighted low-band energies from low-rate samples fed in order.

    `per_frame`: low-rate samples per frame; `lag`: how many low-rate samples the input
    lags the frames it belongs to (the decimator's delay). Frame energies come out as soon
    as every sample their window needs has arrived.
    """

    def __init__(self, rate: int, per_frame: int, lag: int) -> None:
        self._taps = low_band_taps(rate)
        self.per_frame = per_frame
        self._window = _energy_window(per_frame)
        # y at low sample n is centred HALF_TAPS later; frame k's window starts half a
        # frame before it, so it starts at filtered index k·F − F/2 + lag + HALF_TAPS
        self._skip = HALF_TAPS + lag - per_frame // 2
        self._history = np.zeros(2 * HALF_TAPS)
        self._squares = np.zeros(0)  # filtered y², from the next frame's window start
        self._seen = 0  # filtered samples produced so far
        self.frames = 0  # frames whose energy has come out

    def feed(self, low: NDArray[np.floating]) -> NDArray[np.float64]:
        """Filter more low-rate samples; return the mean squares of newly complete frames."""
        joined = np.concatenate([self._history, np.asarray(low, dtype=np.float64)])
        self._history = joined[len(joined) - 2 * HALF_TAPS :]
        filtered = np.convolve(joined, self._taps, mode="valid")
        start, self._seen = self._seen, self._seen + len(filtered)
        if self._seen <= self._skip:  # still before the first frame's window
            return np.zeros(0)
        kept = np.square(filtered[max(0, self._skip - start) :])
        return self._frames_of(np.concatenate([self._squares, kept]))

    def _frames_of(self, squares: NDArray[np.float64]) -> NDArray[np.float64]:
        """Window whole frames out of `squares`; keep the rest for the next call.

        Frame k's window spans rows k and k + 1 of `squares` cut into frame-long rows, so
        two short matrix-vector products give every frame's energy.
        """
        step = self.per_frame
        rows = len(squares) // step
        if rows < 2:
            self._squares = squares
            return np.zeros(0)
        cut = squares[: rows * step].reshape(rows, step)
        energies = cut[:-1] @ self._window[:step] + cut[1:] @ self._window[step:]
        self._squares = squares[(rows - 1) * step :]
        self.frames += rows - 1
        return np.asarray(energies, dtype=np.float64)

    def settle_frames(self) -> int:
        """The first frames, whose window reaches back before the first sample (the FIR
        and the decimator start from zeros): leave them out of A-weighted statistics."""
        return -(-(HALF_TAPS + self.per_frame) // self.per_frame) + 1


def high_band_gains(rate: int, frame_len: int) -> NDArray[np.float64]:
    """Power gains for the bins of a Hann-windowed frame's rfft (window mean square and
    Parseval folded in) that weight the band above the crossover by (1 − C(f)²)·A(f)² (the
    low band's FIR has the amplitude response C·A, so the two powers add up to A²).

    A windowed tone spreads over ±2 bins (±100 Hz), which would blur the crossover by up
    to 0.8 dB; so the gains of the bins from 150 to 600 Hz are fitted by least squares
    (on relative error, tones from 20 to 900 Hz at 1 Hz steps) to make each tone's
    spread-out weight what the curve says at its own frequency.
    """
    freqs = np.asarray(np.fft.rfftfreq(frame_len, 1.0 / rate), dtype=np.float64)
    window = np.hanning(frame_len + 1)[:-1]
    parseval = np.full(len(freqs), 2.0 / (frame_len**2 * float(np.mean(window**2))))
    with np.errstate(divide="ignore"):
        a_power = 10.0 ** (a_weighting_db(freqs) / 10.0)
    gains = np.nan_to_num(a_power) * (1.0 - crossover(freqs) ** 2)  # per unit of power
    low, high = CROSSOVER_HZ
    free = np.nonzero((freqs >= low) & (freqs <= 2.0 * high))[0]
    if free.size == 0 or 3.0 * high >= rate / 2.0:
        return gains * parseval
    gains[free] = 0.0
    tones = np.arange(20.0, 3.0 * high, 1.0)
    used = np.nonzero(freqs <= tones[-1] + 3.0 * freqs[1])[0]  # the bins those tones reach
    spread = _tone_spread(tones, freqs[used], window, rate) * parseval[used]
    with np.errstate(divide="ignore"):
        a_tones = 10.0 ** (a_weighting_db(tones) / 10.0)
    target = (1.0 - crossover(tones) ** 2) * a_tones - np.einsum("ij,j->i", spread, gains[used])
    rows = spread[:, free] / a_tones[:, None]
    fitted = least_squares(rows, target / a_tones)
    gains[free] = fitted
    return gains * parseval


def _tone_spread(
    tones: NDArray[np.float64], bins_hz: NDArray[np.float64], window: NDArray[np.float64], rate: int
) -> NDArray[np.float64]:
    """|DFT|² at `bins_hz` of the windowed tones of power 1, free of the tones' phase.

    A cosine and a sine (each of power 1/2) in quadrature, their powers summed. Tones go in
    chunks and the products stay on this thread (products.py), so the table costs little
    memory.
    """
    t = np.arange(len(window)) / rate
    angle = 2.0 * np.pi * np.outer(t, bins_hz)
    basis = np.concatenate([window[:, None] * np.cos(angle), window[:, None] * np.sin(angle)], 1)
    spread = np.zeros((len(tones), len(bins_hz)))
    for first in range(0, len(tones), TONE_CHUNK):
        phase = 2.0 * np.pi * np.outer(tones[first : first + TONE_CHUNK], t)
        for wave in (np.cos, np.sin):
            parts = matmul_rows(wave(phase), basis)  # real and imaginary parts side by side
            spread[first : first + TONE_CHUNK] += (
                np.square(parts).reshape(len(phase), 2, -1).sum(axis=1)
            )
    return spread


def least_squares(matrix: NDArray[np.float64], rhs: NDArray[np.float64]) -> NDArray[np.float64]:
    """x minimising |matrix·x − rhs| (matrix (m, n), m ≥ n, full rank), by Householder QR.

    Written out, with einsum rather than BLAS products, because np.linalg.lstsq and
    float64 BLAS calls wake LAPACK and OpenBLAS's thread buffers: about 6 MB resident in
    the agent for two small fits made once per sample rate.
    """
    r = np.array(matrix, dtype=np.float64)
    y = np.array(rhs, dtype=np.float64)
    cols = r.shape[1]
    for k in range(cols):
        column = r[k:, k]
        norm = float(np.sqrt(np.einsum("i,i->", column, column)))
        if norm == 0.0:
            continue
        v = column.copy()
        v[0] += norm if v[0] >= 0 else -norm
        v /= float(np.sqrt(np.einsum("i,i->", v, v)))
        r[k:, k:] -= 2.0 * v[:, None] * np.einsum("i,ij->j", v, r[k:, k:])[None, :]
        y[k:] -= 2.0 * v * float(np.einsum("i,i->", v, y[k:]))
    x = np.zeros(cols)
    for k in range(cols - 1, -1, -1):  # back substitution on the upper triangle
        x[k] = (y[k] - float(np.einsum("i,i->", r[k, k + 1 : cols], x[k + 1 :]))) / r[k, k]
    return x
