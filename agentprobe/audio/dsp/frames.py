"""Per-frame features of 20 ms frames, from one real FFT over a whole block of frames.

Each frame's mean is taken out first (an offset is not sound, and the speech side sees
the same centred samples), then its mean square is summed in the time domain. The FFT is
of the Hann-windowed frame, so a strong low tone (mains hum) does not leak into the bins
above it, where A-weighting would count its leakage 10–20 dB louder than the tone. The
spectrum gives the frame's A-weighted mean square above the low band's crossover
(IEC 61672-1 gains times 1 − C(f)², see lowband.py; the band below is weighted there), plus
two shape features for the noise classes: the share of power in the telephone speech band
(300–3400 Hz) and tonality, the share of power in bins at least 3× (4.8 dB) above the mean
of their 7 neighbours (noise puts ~20 % there, steady tones most of it).

Spectra stay in float32 (the input's precision; sums over a few hundred bins lose far
less than 0.001 dB) and the per-bin tables are built once per sample rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from agentprobe.audio.dsp.lowband import high_band_gains
from agentprobe.audio.dsp.products import matmul_rows
from agentprobe.audio.dsp.weighting import parseval_weights

FRAME_S = 0.020
SPEECH_BAND_HZ = (300.0, 3400.0)
TONAL_BAND_HZ = (100.0, 8000.0)
PEAK_FACTOR = 3.0
NEIGHBOURHOOD = 7  # fixed: `_tonal_peaks` builds 7-bin sums from pairs and fours


@dataclass(frozen=True)
class FrameFeatures:
    """Arrays of shape (n_frames,): mean squares (flat, and A-weighted above the low band's
    crossover; each frame's mean removed) and shape features (0–1); and the centred frames
    themselves, shape (n_frames, frame_len), which the speech level meter reads."""

    mean_square: NDArray[np.float64]
    a_high_mean_square: NDArray[np.float64]
    windowed_mean_square: NDArray[np.float64]  # flat, from the windowed spectrum
    speech_share: NDArray[np.float64]
    tonality: NDArray[np.float64]
    centred: NDArray[np.float32]


class FrameAnalyser:
    """Features of frames shaped (n_frames, frame_len) at a fixed sample rate."""

    def __init__(self, rate: int) -> None:
        self.frame_len = round(rate * FRAME_S)
        self._window = np.hanning(self.frame_len + 1)[:-1].astype(np.float32)
        self._sums, self._tonal = _tables(rate, self.frame_len)

    def features(self, frames: NDArray[np.floating]) -> FrameFeatures:
        frames = np.asarray(frames, dtype=np.float32)
        centred = frames - frames.sum(axis=1, keepdims=True) * np.float32(1.0 / self.frame_len)
        flat = np.einsum("ij,ij->i", centred, centred).astype(np.float64) / self.frame_len
        spectrum = np.fft.rfft(centred * self._window, axis=1)
        power = np.square(spectrum.real)
        power += np.square(spectrum.imag)
        # one matrix product gives the five per-frame spectral sums
        weighted, windowed, speech, total, tonal = (
            matmul_rows(power, self._sums).astype(np.float64).T
        )
        share = speech / np.maximum(total, 1e-30)
        peaks = _tonal_peaks(power, self._tonal)
        tonality = peaks / np.maximum(tonal, 1e-30)
        return FrameFeatures(flat, weighted, windowed, share, tonality, centred)


def _tonal_peaks(power: NDArray[np.float32], band: slice) -> NDArray[np.float64]:
    """Per frame: the power in `band`'s bins at least PEAK_FACTOR × the mean of their 7
    neighbours (bins whose neighbourhood stays in the band).

    The sums run over the rows laid end to end: one long contiguous pass per step costs far
    less than a short pass per frame. The sums that straddle two frames land only in
    columns outside the band's inner bins, which are never read. When the band is a small
    part of the row, it is copied out first so the passes skip the bins outside it.
    """
    if 2 * (band.stop - band.start) < power.shape[1]:  # at 48 kHz: copy the band out
        power, band = np.ascontiguousarray(power[:, band]), slice(0, band.stop - band.start)
    rows, width = power.shape
    flat = power.ravel()
    pairs = flat[:-1] + flat[1:]
    fours = pairs[:-2] + pairs[2:]
    local = np.empty_like(flat)  # local[i]: the 7 bins centred on bin i + 3
    sums = local[:-6]
    np.add(fours[:-3], pairs[4:-1], out=sums)
    sums += flat[6:]
    inner = flat[3:-3]
    peak = inner >= PEAK_FACTOR / NEIGHBOURHOOD * sums
    np.multiply(inner, peak, out=sums)  # the peaks' power, the rest zeroed
    centres = slice(band.start, band.stop - 6)  # the band's inner bins, shifted by 3
    return np.asarray(local.reshape(rows, width)[:, centres].sum(axis=1), dtype=np.float64)


@lru_cache(maxsize=8)
def _tables(rate: int, frame_len: int) -> tuple[NDArray[np.float32], slice]:
    """Per-bin columns (for a Hann-windowed frame: A-weighted Parseval factors above the
    crossover, flat ones; speech band; all but DC; tonality band) and the tonality band's
    bins."""
    freqs = np.fft.rfftfreq(frame_len, 1.0 / rate)
    weighted = high_band_gains(rate, frame_len)
    window = np.hanning(frame_len + 1)[:-1]
    windowed = parseval_weights(frame_len) / float(np.mean(window**2)) * (freqs > 0)
    speech = (freqs >= SPEECH_BAND_HZ[0]) & (freqs <= SPEECH_BAND_HZ[1])
    tonal = (freqs >= TONAL_BAND_HZ[0]) & (freqs <= TONAL_BAND_HZ[1])
    sums = np.stack([weighted, windowed, speech, freqs > 0, tonal], axis=1)
    band = np.nonzero(tonal)[0]
    return sums.astype(np.float32), slice(int(band[0]), int(band[-1]) + 1)
