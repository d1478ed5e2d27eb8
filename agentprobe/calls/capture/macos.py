"""macOS capture: one /dev/bpf device per interface, filtered in the kernel.

Each device is bound to an interface (BIOCSETIF), given the filter of `bpf.py` for its
link type (BIOCGDLT: Ethernet, or the BSD null header on loopback) and read in immediate
mode. A read returns a buffer of records, each a `struct bpf_hdr` (timestamp, captured
and wire lengths, header length) then the captured bytes, the next one word-aligned;
`records` parses that buffer and is tested on bytes alone: no macOS machine runs the
tests. Opening /dev/bpf* needs root, or membership of the access_bpf group that
Wireshark's ChmodBPF installs.
"""

from __future__ import annotations

import array
import errno
import os
import select
import struct
from collections.abc import Iterator, Sequence

from agentprobe.calls.capture import bpf
from agentprobe.calls.capture.headers import Link, datagram
from agentprobe.calls.capture.source import CaptureUnavailable
from agentprobe.calls.tracker import Datagram

# <net/bpf.h> ioctls: _IOW/_IOR/_IOWR('B', n, size) on 64-bit macOS.
BIOCSBLEN, BIOCGBLEN = 0xC0044266, 0x40044266
BIOCSETF, BIOCSETIF = 0x80104267, 0x8020426C
BIOCGDLT, BIOCGSTATS, BIOCIMMEDIATE = 0x4004426A, 0x4008426F, 0x80044270
DLT_NULL, DLT_EN10MB = 0, 1
HEADER = struct.Struct("=iiIIH")  # bpf_hdr: timeval32 (sec, usec), caplen, datalen, hdrlen
ALIGNMENT = 4  # BPF_WORDALIGN on macOS: sizeof(int32_t)
BUFFER_BYTES = 1 << 20
DEVICES = 256
NO_ACCESS = (
    "passive capture needs read access to /dev/bpf*: run it as root, or join the "
    "access_bpf group (installed by Wireshark's ChmodBPF)"
)
FRAMINGS = {
    DLT_EN10MB: (bpf.Framing.ETHERNET, Link.ETHERNET),
    DLT_NULL: (bpf.Framing.NULL, Link.NULL),
}


def records(buffer: bytes) -> Iterator[tuple[float, bytes, int]]:
    """(time in epoch seconds, captured bytes, wire length) of each record in a read."""
    offset = 0
    while offset + HEADER.size <= len(buffer):
        seconds, micros, caplen, datalen, hdrlen = HEADER.unpack_from(buffer, offset)
        start = offset + hdrlen
        if hdrlen < HEADER.size or start + caplen > len(buffer):
            return  # a damaged buffer: stop rather than read garbage
        yield seconds + micros / 1e6, buffer[start : start + caplen], datalen
        offset += (hdrlen + caplen + ALIGNMENT - 1) & ~(ALIGNMENT - 1)


class BpfSource:
    """UDP datagrams (headers only) from the named interfaces, or every one that is up."""

    def __init__(self, interfaces: Sequence[str] = ()) -> None:
        self.devices: dict[int, Link] = {}
        self.sizes: dict[int, int] = {}
        try:
            for name in interfaces or _interfaces():
                fd, link, size = _open(name)
                self.devices[fd], self.sizes[fd] = link, size
        except BaseException:
            self.close()
            raise

    def read(self, timeout_s: float) -> list[Datagram] | None:
        ready, _, _ = select.select(list(self.devices), [], [], max(0.0, timeout_s))
        out: list[Datagram] = []
        for fd in ready:
            for at, frame, _ in records(os.read(fd, self.sizes[fd])):
                found = datagram(frame, self.devices[fd], at)
                if found is not None:
                    out.append(found)
        out.sort(key=lambda d: d.at)
        return out

    def drops(self) -> int:
        return sum(_stats(fd)[1] for fd in self.devices)  # bs_drop is cumulative

    def close(self) -> None:
        for fd in self.devices:
            os.close(fd)
        self.devices = {}


def _interfaces() -> list[str]:
    import psutil

    stats = psutil.net_if_stats()
    return [name for name, s in stats.items() if s.isup and not name.startswith("lo")]


def _open(name: str) -> tuple[int, Link, int]:
    import fcntl

    fd = _device()
    try:
        fcntl.ioctl(fd, BIOCSBLEN, struct.pack("I", BUFFER_BYTES))
        fcntl.ioctl(fd, BIOCSETIF, struct.pack("16s16x", name.encode()))
        fcntl.ioctl(fd, BIOCIMMEDIATE, struct.pack("I", 1))
        dlt = struct.unpack("I", fcntl.ioctl(fd, BIOCGDLT, b"\0" * 4))[0]
        if dlt not in FRAMINGS:
            raise CaptureUnavailable(f"{name}: link type {dlt} is not Ethernet or loopback")
        framing, link = FRAMINGS[dlt]
        code = array.array("B", bpf.pack(bpf.program(framing)))
        program = struct.pack("@IP", len(code) // 8, code.buffer_info()[0])
        fcntl.ioctl(fd, BIOCSETF, program)  # the kernel copies the instructions
        size = struct.unpack("I", fcntl.ioctl(fd, BIOCGBLEN, b"\0" * 4))[0]
    except OSError as error:
        os.close(fd)
        raise CaptureUnavailable(f"cannot capture on {name}: {error}") from error
    return fd, link, size


def _device() -> int:
    for number in range(DEVICES):
        try:
            return os.open(f"/dev/bpf{number}", os.O_RDONLY)
        except PermissionError as error:
            raise CaptureUnavailable(NO_ACCESS) from error
        except OSError as error:
            if error.errno != errno.EBUSY:
                raise CaptureUnavailable(f"cannot open /dev/bpf{number}: {error}") from error
    raise CaptureUnavailable("every /dev/bpf device is busy")


def _stats(fd: int) -> tuple[int, int]:
    import fcntl

    received, dropped = struct.unpack("II", fcntl.ioctl(fd, BIOCGSTATS, b"\0" * 8))
    return received, dropped
