"""A-weighting per IEC 61672-1, applied in the frequency domain.

The standard defines A-weighting by its analogue poles (20.598997, 107.652649,
737.862231 and 12194.217 Hz) normalised to 0 dB at 1 kHz. The usual bilinear-transformed
IIR filter warps those poles and is badly wrong near Nyquist at 16 kHz (several dB at
6–8 kHz), so we evaluate the analogue response at each FFT bin instead: exact at any
sample rate, up to Nyquist.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

POLES_HZ = (20.598997, 107.652649, 737.862231, 12194.217)
# A(1 kHz) of the raw pole formula, in dB; the standard's A1000 normalisation constant.
A1000_DB = -2.000


def a_weighting_db(freqs_hz: NDArray[np.float64]) -> NDArray[np.float64]:
    """A-weighting gain in dB at each frequency (Hz); −inf at 0 Hz."""
    f1, f2, f3, f4 = POLES_HZ
    f_sq = np.asarray(freqs_hz, dtype=np.float64) ** 2
    with np.errstate(divide="ignore"):
        numerator = f4**2 * f_sq**2
        denominator = (f_sq + f1**2) * np.sqrt((f_sq + f2**2) * (f_sq + f3**2)) * (f_sq + f4**2)
        return 20.0 * np.log10(numerator / denominator) - A1000_DB


def a_weighting_power(n_fft: int, rate: float) -> NDArray[np.float64]:
    """Power gains |A(f)|² for the bins of `np.fft.rfft(x, n_fft)` at `rate` Hz.

    Shape n_fft//2+1; the DC bin gets 0.
    """
    freqs = np.fft.rfftfreq(n_fft, 1.0 / rate).astype(np.float64)
    with np.errstate(divide="ignore"):
        gains = 10.0 ** (a_weighting_db(freqs) / 10.0)
    gains[0] = 0.0
    return gains


def parseval_weights(n_fft: int) -> NDArray[np.float64]:
    """Factors turning rfft bin powers |X_k|² into the frame's mean square (Parseval).

    Interior bins stand for a positive and a negative frequency, hence the 2.
    Shape n_fft//2+1.
    """
    weights = np.full(n_fft // 2 + 1, 2.0)
    weights[0] = 1.0
    if n_fft % 2 == 0:
        weights[-1] = 1.0
    return weights / float(n_fft) ** 2
