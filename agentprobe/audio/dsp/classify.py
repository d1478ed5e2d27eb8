"""The noise class: one word for what the microphone hears, from cheap features.

Classes: quiet, steady (broadband: fans, traffic, hiss), hum (mains or other steady tones),
impulsive (knocks, typing, barking, door slams), speech (voices, TV, babble), music. The
features: the A-weighted level, the L10−L90 spread and the peak over L50 of 20 ms frame
levels, sound events (onsets per second and how long activity lasts, see events.py), the
speech ratio and the longest run of speech frames (from the VAD when there is one),
tonality (the share of frames whose spectra are dominated by peaks) and the hum
prominence. The rules go from the most to the least specific cue: events that rise out
of the background and fall back within a second or so are impulsive even when the VAD
calls some of them speech (a bark is voiced); sustained harmonic structure is music
(speech's harmonics glide too fast to dominate 20 ms spectra); the VAD's speech is speech.
"""

from __future__ import annotations

from dataclasses import dataclass

CLASSES = ("quiet", "steady", "hum", "impulsive", "speech", "music")

QUIET_DBFS = -60.0  # used when the caller gives none; the noise check passes its band's
HUM_DB = 15.0
HUM_SHARE = 0.3
IMPULSE_CREST_DB = 15.0
IMPULSE_SHARE = 0.05
SPEECH_RATIO = 0.2
VOICE_RATIO = 0.2  # with a VAD: this share of speech frames, level modulated, is speech
TONAL_RATIO = 0.5
HARMONIC_RATIO = 0.4  # with event cues: music keeps this share of frames partly tonal
STEADY_SPREAD_DB = 3.0  # a tone this steady is a whine or hum, not music
ONSET_RATE = 0.4  # per second: at least 2 events in a 5 s window
EVENT_FRAMES = 75  # 1.5 s: longer activity is not an impulse (a few slams in a row join)
VOICE_FRAMES = 50  # 1 s: a longer run of VAD speech is a phrase, not a bark or a thud
EVENT_SHARE = 0.4  # impulses leave most of the window at the background
EVENT_VOICE_RATIO = 0.5  # the VAD calls under half of an impulsive window speech
MUSIC_ONSET_RATE = 1.0  # per second: syllables rise faster than notes in a legato line
SPEECH_SPREAD_DB = 5.0  # syllables modulate the level; a VAD's false alarms on a fan do not
SURE_VOICE_RATIO = 0.8  # this much VAD speech is speech however level it is (dense babble)


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
    onset_rate: float = 0.0  # per second
    active_share: float = 0.0  # frames 10 dB over the floor
    longest_active: int = 0  # frames
    longest_voice: int = 0  # frames, the VAD's longest run of speech
    vad: bool = False  # the speech ratio comes from a VAD
    harmonic_ratio: float = 0.0  # frames with at least 30 % of their power in peaks
    quiet_dbfs: float = QUIET_DBFS  # at or below this A-weighted level the room is quiet


def noise_class(f: ClassFeatures) -> str:
    """The one class that best describes the window (see the module docstring)."""
    if f.dead or (f.leq_a_dbfs <= f.quiet_dbfs and f.hum_db < HUM_DB):
        return "quiet"
    if f.hum_db >= HUM_DB and f.hum_share >= HUM_SHARE:
        return "hum"
    if f.vad:
        return _with_vad(f)
    if f.crest_db >= IMPULSE_CREST_DB and f.loud_frame_ratio <= IMPULSE_SHARE:
        return "impulsive"
    if f.speech_ratio >= SPEECH_RATIO:
        return "speech"
    return _tonal_or_steady(f)


def _with_vad(f: ClassFeatures) -> str:
    if (
        f.onset_rate >= ONSET_RATE
        and f.longest_active <= EVENT_FRAMES
        and f.longest_voice <= VOICE_FRAMES
        and f.active_share <= EVENT_SHARE
        and f.speech_ratio < EVENT_VOICE_RATIO
    ):
        return "impulsive"
    if f.spread_db >= STEADY_SPREAD_DB and _tonal(f):
        return "music"
    if f.speech_ratio >= VOICE_RATIO and (
        f.spread_db >= SPEECH_SPREAD_DB or f.speech_ratio >= SURE_VOICE_RATIO
    ):
        return "speech"
    if f.crest_db >= IMPULSE_CREST_DB and f.loud_frame_ratio <= IMPULSE_SHARE:
        return "impulsive"  # a single knock
    return _tonal_or_steady(f)


def _tonal(f: ClassFeatures) -> bool:
    """Harmonic structure held over the window: most frames partly tonal without the fast
    onsets of syllables, or half of them dominated by tones."""
    legato = f.harmonic_ratio >= HARMONIC_RATIO and f.onset_rate < MUSIC_ONSET_RATE
    return legato or f.tonal_ratio >= TONAL_RATIO


def _tonal_or_steady(f: ClassFeatures) -> str:
    if _tonal(f):
        return "hum" if f.spread_db < STEADY_SPREAD_DB else "music"
    if f.leq_a_dbfs <= f.quiet_dbfs:
        return "quiet"
    return "steady"
