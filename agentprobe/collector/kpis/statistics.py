"""The statistics behind every KPI comparison: pure functions of plain sequences.

Differences of means use Welch's t (unequal variances, Welch–Satterthwaite degrees of
freedom; Welch 1947, Biometrika 34), paired differences a one-sample t on the per-agent
differences, and a table of many comparisons is screened with the Benjamini–Hochberg
step-up procedure (1995, JRSS B 57), so that a page with a hundred figures does not
"find" five effects by chance. A comparison with fewer than `min_count` values on either
side returns None: the caller says "not enough data" instead of a number.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special  # Student's t from the special functions: scipy.stats costs 1 s to import

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Estimate:
    """A difference (or mean) with its confidence interval and two-sided p-value."""

    value: float
    low: float
    high: float
    p: float
    df: float

    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


def _finish(value: float, se: float, df: float, confidence: float) -> Estimate:
    if se == 0 or not math.isfinite(df):
        p = 1.0 if value == 0 else 0.0
        return Estimate(value, value, value, p, df)
    quantile = float(special.stdtrit(df, 0.5 + confidence / 2))
    p = float(2 * special.stdtr(df, -abs(value / se)))
    return Estimate(value, value - quantile * se, value + quantile * se, p, df)


def welch(
    with_: Sequence[float],
    without: Sequence[float],
    min_count: int = 2,
    confidence: float = CONFIDENCE,
) -> Estimate | None:
    """mean(with_) - mean(without) with Welch's t interval; None below `min_count` a side."""
    a, b = np.asarray(with_, dtype=float), np.asarray(without, dtype=float)
    if len(a) < max(2, min_count) or len(b) < max(2, min_count):
        return None
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    denominator = va**2 / (len(a) - 1) + vb**2 / (len(b) - 1)
    df = (va + vb) ** 2 / denominator if denominator > 0 else math.inf
    return _finish(float(a.mean() - b.mean()), se, float(df), confidence)


def mean_interval(
    values: Sequence[float], min_count: int = 2, confidence: float = CONFIDENCE
) -> Estimate | None:
    """The mean of `values` (e.g. paired differences) with its t interval and p vs 0."""
    x = np.asarray(values, dtype=float)
    if len(x) < max(2, min_count):
        return None
    se = float(x.std(ddof=1)) / math.sqrt(len(x))
    return _finish(float(x.mean()), se, float(len(x) - 1), confidence)


def benjamini_hochberg(pvalues: Sequence[float]) -> list[float]:
    """Adjusted p-values (q-values), in the input order; a claim is q below the level."""
    count = len(pvalues)
    order = sorted(range(count), key=lambda i: pvalues[i])
    adjusted = [1.0] * count
    running = 1.0
    for rank in range(count, 0, -1):
        index = order[rank - 1]
        running = min(running, pvalues[index] * count / rank)
        adjusted[index] = min(1.0, running)
    return adjusted


def within_strata(
    values: Sequence[float] | np.ndarray,
    is_with: Sequence[bool] | np.ndarray,
    stratum: Sequence[int] | np.ndarray,
    min_count: int = 2,
    confidence: float = CONFIDENCE,
) -> Estimate | None:
    """The with-minus-without difference inside strata (agents), pooled across them.

    `stratum[i]` is the (non-negative integer) stratum of `values[i]`. Each stratum with
    values on both sides gives the difference of its two means, weighted by n1·n0/(n1+n0)
    (the inverse of its variance when every cell has the same spread); the standard error
    uses the pooled within-cell variance, with N − 2K degrees of freedom for N values in
    K strata. This is the fixed-effects (stratified) estimate: a stratum's usual level
    cancels, so a trait of an agent cannot pose as an effect. Strata seen on one side only
    drop out; None when fewer than `min_count` values remain on either side.
    """
    x, w, g = np.asarray(values, float), np.asarray(is_with, bool), np.asarray(stratum, int)
    keep = both_sides(w, g)
    x, w, g = x[keep], w[keep], g[keep]
    size = int(g.max()) + 1 if len(g) else 0
    n1, n0 = np.bincount(g[w], minlength=size), np.bincount(g[~w], minlength=size)
    strata = int(((n1 > 0) & (n0 > 0)).sum())
    df = len(x) - 2 * strata
    if n1.sum() < max(2, min_count) or n0.sum() < max(2, min_count) or df < 1:
        return None
    both = (n1 > 0) & (n0 > 0)
    s1, s0 = np.bincount(g[w], x[w], size), np.bincount(g[~w], x[~w], size)
    q1, q0 = np.bincount(g[w], x[w] ** 2, size), np.bincount(g[~w], x[~w] ** 2, size)
    n1, n0, s1, s0, q1, q0 = (a[both] for a in (n1, n0, s1, s0, q1, q0))
    weights = n1 * n0 / (n1 + n0)
    differences = s1 / n1 - s0 / n0
    squares = float((q1 - s1**2 / n1).sum() + (q0 - s0**2 / n0).sum())
    se = math.sqrt(max(squares, 0.0) / df / weights.sum())
    value = float((weights * differences).sum() / weights.sum())
    return _finish(value, se, float(df), confidence)


def both_sides(is_with: np.ndarray, stratum: np.ndarray) -> np.ndarray:
    """Mask of the values whose stratum has values on both sides."""
    w, g = np.asarray(is_with, bool), np.asarray(stratum, int)
    if not len(g):
        return np.zeros(0, bool)
    size = int(g.max()) + 1
    has = (np.bincount(g[w], minlength=size) > 0) & (np.bincount(g[~w], minlength=size) > 0)
    mask: np.ndarray = has[g]
    return mask
