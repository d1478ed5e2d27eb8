"""Level arithmetic: dBFS from mean squares, and percentile levels (L10, L50, L90).

dBFS = 20·log10(RMS) = 10·log10(mean square), full scale = 1.0, so a full-scale sine
reads −3.01 dBFS. Percentile levels follow acoustics usage: Lnn is the level exceeded
nn % of the time, so L90 (exceeded 90 % of the time) is the background, the noise floor.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FLOOR_DBFS = -150.0  # what digital silence reads, instead of −inf


def dbfs(mean_square: float) -> float:
    """10·log10 of a mean square (a power), floored at FLOOR_DBFS."""
    if mean_square <= 10.0 ** (FLOOR_DBFS / 10.0):
        return FLOOR_DBFS
    return float(10.0 * np.log10(mean_square))


def dbfs_array(mean_squares: NDArray[np.float64]) -> NDArray[np.float64]:
    """Element-wise `dbfs` for an array of mean squares."""
    floor = 10.0 ** (FLOOR_DBFS / 10.0)
    return np.asarray(10.0 * np.log10(np.maximum(mean_squares, floor)), dtype=np.float64)


def exceeded(levels_db: NDArray[np.float64], percent: float) -> float:
    """L<percent>: the level exceeded `percent` % of the time (L90 = 10th percentile)."""
    return exceeded_many(levels_db, percent)[0]


def exceeded_many(levels_db: NDArray[np.float64], *percents: float) -> list[float]:
    """Several Lnn at once: one partial sort, numpy's default (linear) percentile rule."""
    if levels_db.size == 0:
        return [FLOOR_DBFS] * len(percents)
    positions = [(100.0 - percent) / 100.0 * (levels_db.size - 1) for percent in percents]
    lower = [int(np.floor(position)) for position in positions]
    upper = [min(low + 1, levels_db.size - 1) for low in lower]
    ordered = np.partition(levels_db, sorted({*lower, *upper}))
    return [
        float(ordered[low] + (ordered[high] - ordered[low]) * (position - low))
        for position, low, high in zip(positions, lower, upper, strict=True)
    ]
