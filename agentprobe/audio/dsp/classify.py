"""The noise class: one word for what the microphone hears, from cheap features.

Classes: quiet, steady (broadband: fans, traffic, hiss), hum (mains or other steady tones),
impulsive (knocks, typing, barking), speech (voices, TV, babble), music. The features:
the A-weighted level, the L10−L90 spread and the peak over L50 of 20 ms frame levels
(the crest of the level series), the speech ratio from the frame VAD, tonality (the
share of frames whose spectra are dominated by peaks) and the hum prominence. The rules
are ordered from the most to the least specific cue; see docs for the reasoning.
"""

from __future__ import annotations

from dataclasses import dataclass

CLASSES = ("quiet", "steady", "hum", "impulsive", "speech", "music")

QUIET_DBFS = -60.0  # the noise floor's default pass limit
HUM_DB = 15.0
HUM_SHARE = 0.3
IMPULSE_CREST_DB = 15.0
IMPULSE_SHARE = 0.05
SPEECH_RATIO = 0.2
TONAL_RATIO = 0.5
STEADY_SPREAD_DB = 3.0  # a tone this steady is a whine or hum, not music


@dataclass(frozen=True)
class ClassFeatures:
    """Window aggregates the classifier reads (levels in dBFS, ratios 0–1)."""

    leq_a_dbfs: float
    spread_db: float
    crest_db: float
    loud_frame_ratio: float  # frames more than 10 dB over L50
    speech_ratio: float
    tonal_ratio: float
    hum_db: float
    hum_share: float  # hum power over total power
    dead: bool


def noise_class(f: ClassFeatures) -> str:
    """The one class that best describes the window (see the module docstring)."""
    if f.dead or (f.leq_a_dbfs <= QUIET_DBFS and f.hum_db < HUM_DB):
        return "quiet"
    if f.hum_db >= HUM_DB and f.hum_share >= HUM_SHARE:
        return "hum"
    if f.crest_db >= IMPULSE_CREST_DB and f.loud_frame_ratio <= IMPULSE_SHARE:
        return "impulsive"
    if f.speech_ratio >= SPEECH_RATIO:
        return "speech"
    if f.tonal_ratio >= TONAL_RATIO:
        return "hum" if f.spread_db < STEADY_SPREAD_DB else "music"
    if f.leq_a_dbfs <= QUIET_DBFS:
        return "quiet"
    return "steady"
