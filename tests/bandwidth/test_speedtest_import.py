"""speedtest-cli's import-time stdout/stderr wrappers must not leak out of our import of it."""

from __future__ import annotations

import subprocess
import sys

import pytest

IMPORTS = "import agentprobe.bandwidth.engine, agentprobe.bandwidth.paths"


def _python(code: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-X", "dev", "-W", "error::ResourceWarning", "-c", code]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)


def test_import_leaves_no_unclosed_stream_at_exit() -> None:
    done = _python(f"{IMPORTS}; print('imported')")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "imported\n"
    assert "ResourceWarning" not in done.stderr
    assert "unclosed file" not in done.stderr


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_import_works_without_a_console_stream(stream: str) -> None:
    """pythonw and some service managers start the process with sys.stdout/stderr None."""
    done = _python(
        f"import sys; sys.{stream} = None; {IMPORTS}; print('imported', file=sys.__stdout__)"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "imported\n"


def test_its_printing_goes_to_the_real_streams() -> None:
    done = _python(
        "import sys; from agentprobe.bandwidth.speedtest_cli import speedtest; "
        "speedtest.print_('out'); speedtest.print_('err', file=sys.stderr)"
    )
    assert (done.stdout, done.stderr) == ("out\n", "err\n")
