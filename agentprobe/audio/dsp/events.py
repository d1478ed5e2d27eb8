"""Sound events in a window of 20 ms frame levels: onsets, and how long activity lasts.

Impulsive sounds (a bark, a door slam, a key press) rise fast out of the background and
fall back to it within a fraction of a second; speech holds the level up for whole
phrases, steady noise and music never leave it far. An onset is a frame at least
ONSET_DB above the quietest of the 5 frames (100 ms) before it and ACTIVE_DB over the
floor (L90), counted once per rise; a run is a stretch of consecutive frames over
floor + ACTIVE_DB, or of frames the VAD calls speech.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

ONSET_DB = 12.0
ACTIVE_DB = 10.0
LOOK_BACK = 5  # frames


@dataclass(frozen=True)
class Events:
    """Onsets per second, the share of active frames (0–1) and the longest runs in frames."""

    onset_rate: float
    active_share: float
    longest_active: int
    longest_voice: int


def longest_run(mask: NDArray[np.bool_]) -> int:
    """The most consecutive True values in `mask`."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    starts, ends = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]
    return int((ends - starts).max()) if starts.size else 0


def events(
    levels_db: NDArray[np.float64], floor_db: float, voiced: NDArray[np.bool_], frame_s: float
) -> Events:
    """Events in frame levels (dB, shape (n,)) over `floor_db`, with the VAD's decisions."""
    padded = np.concatenate([np.full(LOOK_BACK, levels_db[0]), levels_db])
    before = padded[: len(levels_db)].copy()  # the quietest of the LOOK_BACK frames before
    for back in range(1, LOOK_BACK):
        np.minimum(before, padded[back : back + len(levels_db)], out=before)
    active = levels_db >= floor_db + ACTIVE_DB
    rising = (levels_db - before >= ONSET_DB) & active
    onsets = int(np.count_nonzero(rising[1:] & ~rising[:-1])) + int(rising[0])
    seconds = len(levels_db) * frame_s
    return Events(
        onset_rate=onsets / seconds,
        active_share=float(np.count_nonzero(active)) / len(levels_db),
        longest_active=longest_run(active),
        longest_voice=longest_run(voiced),
    )


def runs_at_least(mask: NDArray[np.bool_], frames: int) -> NDArray[np.bool_]:
    """`mask` with only its runs of at least `frames` consecutive True values kept."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    starts, ends = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]
    steps = np.zeros(len(mask) + 1, dtype=np.int64)
    long = ends - starts >= frames
    np.add.at(steps, starts[long], 1)
    np.add.at(steps, ends[long], -1)
    return np.cumsum(steps[:-1]) > 0
