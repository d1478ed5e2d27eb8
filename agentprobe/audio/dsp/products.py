"""Matrix products kept on the calling thread.

OpenBLAS hands a product of more than 2^18 multiply-adds to its worker threads. For the
small products of the noise analysis, waking those threads costs more than the product
itself, and on a busy PC (a softphone, a browser) far more: an analysis measured 5× slower
that way. Splitting the rows keeps every product under the limit, and the answer is the
same to the last bit (each output row is computed alone either way).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

SINGLE_THREAD_SIZE = 2**18  # multiply-adds


def matmul_rows(
    left: NDArray[np.float32], right: NDArray[np.float32], out: NDArray[np.float32] | None = None
) -> NDArray[np.float32]:
    """left @ right, in row slices small enough to run on this thread."""
    if out is None:
        out = np.empty((left.shape[0], right.shape[1]), dtype=np.result_type(left, right))
    rows = max(1, SINGLE_THREAD_SIZE // max(1, left.shape[1] * right.shape[1]))
    for first in range(0, left.shape[0], rows):
        np.matmul(left[first : first + rows], right, out=out[first : first + rows])
    return out
