"""Voice activity per 20 ms frame: the seam the analyser asks, and the WebRTC detector.

`VoiceDetector` is any callable taking centred frames (n_frames, frame_len) at a rate and
returning one 0/1 decision per frame. `WebRtcVad` wraps the WebRTC project's GMM voice
activity detector (the webrtcvad-wheels package): it reads 10–30 ms of 16-bit PCM at 8,
16, 32 or 48 kHz, so other rates are taken to 16 kHz first, and 48 kHz too (it costs a
sixth of the 48 kHz call): by block means where the rate is a multiple of 16 kHz, by
linear interpolation otherwise. Only the noise check's short-lived process imports it.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from numpy.typing import NDArray

VAD_RATE = 16000
AGGRESSIVENESS = 3  # 0–3: 3 calls the fewest noise frames speech


class VoiceDetector(Protocol):
    def __call__(self, frames: NDArray[np.float32], rate: int) -> NDArray[np.float64]: ...


def to_vad_rate(frames: NDArray[np.float32], rate: int) -> NDArray[np.float32]:
    """Frames (n, frame_len) at `rate` as frames (n, 20 ms at VAD_RATE)."""
    width = round(VAD_RATE * frames.shape[1] / rate)
    if rate in (8000, VAD_RATE):
        return frames
    if rate % VAD_RATE == 0:  # block means: a crude but alias-damping low-pass
        step = rate // VAD_RATE
        return np.asarray(frames.reshape(len(frames), width, step).mean(axis=2), np.float32)
    flat = frames.ravel()
    times = np.arange(len(frames) * width) * (rate / VAD_RATE)
    out = np.interp(times, np.arange(flat.size), flat).astype(np.float32)
    return out.reshape(len(frames), width)


class WebRtcVad:
    """The WebRTC VAD at AGGRESSIVENESS, one decision per 20 ms frame."""

    def __init__(self, aggressiveness: int = AGGRESSIVENESS) -> None:
        import webrtcvad  # here, not at module level: the resident agent never loads it

        self._vad = webrtcvad.Vad(aggressiveness)

    def __call__(self, frames: NDArray[np.float32], rate: int) -> NDArray[np.float64]:
        low = to_vad_rate(frames, rate)
        vad_rate = rate if rate == 8000 else VAD_RATE
        pcm = np.clip(np.round(low * 32767.0), -32768, 32767).astype("<i2")
        decide = self._vad.is_speech
        return np.array([decide(row.tobytes(), vad_rate) for row in pcm], dtype=np.float64)
