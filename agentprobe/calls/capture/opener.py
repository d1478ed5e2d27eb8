"""Opening the packet capture this operating system has (the per-OS sources import the seam)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from agentprobe.calls.capture.source import CaptureUnavailable, PacketSource


def open_source(interfaces: Sequence[str] = ()) -> PacketSource:
    """This OS's capture on `interfaces` (none named: every interface)."""
    if sys.platform.startswith("linux"):
        from agentprobe.calls.capture.linux import LinuxSource

        return LinuxSource(interfaces)
    if sys.platform == "darwin":
        from agentprobe.calls.capture.macos import BpfSource

        return BpfSource(interfaces)
    if sys.platform == "win32":
        from agentprobe.calls.capture.windows import NpcapSource

        return NpcapSource(interfaces)
    raise CaptureUnavailable(f"passive capture is not supported on {sys.platform}")
