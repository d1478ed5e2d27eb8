"""speedtest-cli, imported without the stdout/stderr wrappers it builds at import time.

On import, `speedtest.py` wraps the file descriptors of `sys.stdout` and `sys.stderr` in
new `FileIO(fd, "w")` objects (for its own CLI's UTF-8 printing). Nothing ever closes
them, so at interpreter exit each one raises "ResourceWarning: unclosed file" and then
closes the descriptor under the real stream; with `sys.stdout` None (pythonw, some
service managers) the import fails outright. speedtest-cli falls back to the streams
themselves when `fileno()` raises OSError, so it is imported here while the streams hide
their descriptors. We use its engine only, never its printing.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO


class _NoDescriptor:
    """Forwards to a stream (or swallows writes when there is none) but has no fileno()."""

    def __init__(self, stream: TextIO | None) -> None:
        self._stream = stream

    def fileno(self) -> int:
        raise io.UnsupportedOperation("fileno")

    def write(self, text: str) -> int:
        return self._stream.write(text) if self._stream is not None else len(text)

    def flush(self) -> None:
        if self._stream is not None:
            self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def _streams_without_descriptors() -> Iterator[None]:
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _NoDescriptor(saved[0]), _NoDescriptor(saved[1])
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


with _streams_without_descriptors():
    import speedtest as speedtest

# Its fallback kept our stand-ins; its own printing (unused by us) gets the real streams.
speedtest._py3_utf8_stdout, speedtest._py3_utf8_stderr = sys.stdout, sys.stderr
