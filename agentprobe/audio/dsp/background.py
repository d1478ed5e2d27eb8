"""Which 20 ms frames are speech, and which are the background an SNR is measured against.

The SNR is the P.56 active speech level minus the background's energy mean. In steady
noise the frames near the floor (L90) are that background; in fluctuating noise (babble,
a TV) they sit 3–4 dB under its energy mean, so with a VAD the background is what it
calls non-speech plus the talker's pauses (160 ms or more 3 dB under the active speech
level: a VAD calls babble speech too), less frames 6 dB over the median of those (speech
the VAD missed, which would dominate an energy mean). Without a VAD, or when too little
is left, the energy rule: frames 9 dB over the floor with most power in the telephone
band are speech, the frames within 3 dB of the floor are the background.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from agentprobe.audio.dsp.events import runs_at_least

SPEECH_MARGIN_DB = 9.0
SPEECH_SHARE = 0.5  # of the frame's power in 300–3400 Hz
NEAR_FLOOR_DB = 3.0
MIN_BACKGROUND = 0.05  # the background's frames must be at least this share
PAUSE_FRAMES = 8  # 160 ms under the speech level: a pause between the talker's words
PAUSE_DB = 3.0
TRIM_DB = 6.0  # background frames this far over their median are speech the VAD missed

Mask = NDArray[np.bool_]


def energy_split(
    levels_db: NDArray[np.float64], floor_db: float, speech_share: NDArray[np.float64]
) -> tuple[Mask, Mask]:
    """(speech, background) frames by level and spectrum alone; arrays of shape (n,)."""
    speech = (levels_db >= floor_db + SPEECH_MARGIN_DB) & (speech_share >= SPEECH_SHARE)
    return speech, levels_db < floor_db + NEAR_FLOOR_DB


def vad_split(
    levels_db: NDArray[np.float64], floor_db: float, voiced: Mask, speech_dbfs: float | None
) -> tuple[Mask, Mask]:
    """(speech, background) frames from the VAD's decisions and the active speech level."""
    background = ~voiced
    if speech_dbfs is not None:
        background |= runs_at_least(levels_db < speech_dbfs - PAUSE_DB, PAUSE_FRAMES)
    if np.count_nonzero(background) < MIN_BACKGROUND * len(levels_db):
        return voiced, levels_db < floor_db + NEAR_FLOOR_DB
    background &= levels_db <= float(np.median(levels_db[background])) + TRIM_DB
    return voiced, background
