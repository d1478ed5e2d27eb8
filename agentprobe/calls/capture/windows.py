"""Windows capture through Npcap's wpcap.dll (ctypes), with the filter of `bpf.py`.

Npcap installs wpcap.dll in System32\\Npcap; when it is missing the source says so in
one sentence ("install Npcap"). Each adapter is opened without promiscuous mode, given
our classic BPF program (pcap_setfilter accepts a ready `struct bpf_program`, whose
return value is the per-packet snap length, as on Linux and macOS) and read without
blocking; drops come from pcap_stats. This module is not run by the tests: they run on
Linux only. It follows the documented libpcap API (pcap_open_live, pcap_next_ex...).
"""

from __future__ import annotations

import ctypes
import os
import time
from collections.abc import Sequence
from typing import Any

from agentprobe.calls.capture import bpf
from agentprobe.calls.capture.headers import Link, datagram
from agentprobe.calls.capture.source import CaptureUnavailable
from agentprobe.calls.tracker import Datagram

MISSING = (
    "passive capture is unavailable on this PC: install Npcap (https://npcap.com), "
    "then run agentprobe again"
)
SNAP = 2048
POLL_S = 0.01
FRAMINGS = {1: (bpf.Framing.ETHERNET, Link.ETHERNET), 0: (bpf.Framing.NULL, Link.NULL)}


class PcapIf(ctypes.Structure):
    pass


PcapIf._fields_ = [
    ("next", ctypes.POINTER(PcapIf)),
    ("name", ctypes.c_char_p),
    ("description", ctypes.c_char_p),
    ("addresses", ctypes.c_void_p),
    ("flags", ctypes.c_uint),
]


class PktHdr(ctypes.Structure):
    _fields_ = [("sec", ctypes.c_long), ("usec", ctypes.c_long),
                ("caplen", ctypes.c_uint), ("len", ctypes.c_uint)]  # fmt: skip


class BpfProgram(ctypes.Structure):
    _fields_ = [("bf_len", ctypes.c_uint), ("bf_insns", ctypes.c_void_p)]


class PcapStat(ctypes.Structure):
    _fields_ = [("recv", ctypes.c_uint), ("drop", ctypes.c_uint), ("ifdrop", ctypes.c_uint)]


def load() -> Any:
    """wpcap.dll from Npcap's directory, or CaptureUnavailable."""
    npcap = os.path.join(os.environ.get("SYSTEMROOT", r"C:\Windows"), "System32", "Npcap")
    try:
        if os.path.isdir(npcap):
            os.add_dll_directory(npcap)  # type: ignore[attr-defined,unused-ignore]
        return ctypes.CDLL("wpcap.dll")
    except OSError as error:
        raise CaptureUnavailable(MISSING) from error


class NpcapSource:
    """UDP datagrams (headers only) from the named adapters, or every adapter with an address."""

    def __init__(self, interfaces: Sequence[str] = ()) -> None:
        self.pcap = load()
        self.handles: list[tuple[Any, Link]] = []
        for name in _adapters(self.pcap, interfaces):
            self.handles.append(_open(self.pcap, name))

    def read(self, timeout_s: float) -> list[Datagram] | None:
        deadline = time.monotonic() + timeout_s
        out: list[Datagram] = []
        while True:
            for handle, link in self.handles:
                out.extend(_drain(self.pcap, handle, link))
            if out or time.monotonic() >= deadline:
                return sorted(out, key=lambda d: d.at)
            time.sleep(POLL_S)  # pcap handles cannot be select()ed on Windows

    def drops(self) -> int:
        total = 0
        for handle, _ in self.handles:
            stats = PcapStat()
            if self.pcap.pcap_stats(handle, ctypes.byref(stats)) == 0:
                total += stats.drop
        return total

    def close(self) -> None:
        for handle, _ in self.handles:
            self.pcap.pcap_close(handle)
        self.handles = []


def _adapters(pcap: Any, wanted: Sequence[str]) -> list[bytes]:
    errors, first = ctypes.create_string_buffer(256), ctypes.POINTER(PcapIf)()
    if pcap.pcap_findalldevs(ctypes.byref(first), errors) != 0:
        raise CaptureUnavailable(
            f"Npcap lists no adapters: {errors.value.decode(errors='replace')}"
        )
    names, node = [], first
    while node:
        entry = node.contents
        label = (entry.description or b"").decode(errors="replace")
        if (not wanted and entry.addresses) or any(
            w in (entry.name.decode(), label) for w in wanted
        ):
            names.append(entry.name)
        node = entry.next
    pcap.pcap_freealldevs(first)
    if wanted and len(names) < len(wanted):
        raise CaptureUnavailable(f"no adapter matches {', '.join(wanted)}")
    return names


def _open(pcap: Any, name: bytes) -> tuple[Any, Link]:
    errors = ctypes.create_string_buffer(256)
    pcap.pcap_open_live.restype = ctypes.c_void_p
    handle = pcap.pcap_open_live(name, SNAP, 0, 50, errors)
    if not handle:
        raise CaptureUnavailable(f"cannot capture on {name.decode()}: {errors.value.decode()}")
    framing, link = FRAMINGS.get(pcap.pcap_datalink(ctypes.c_void_p(handle)), FRAMINGS[1])
    code = ctypes.create_string_buffer(bpf.pack(bpf.program(framing)))
    program = BpfProgram(len(code.raw) // 8, ctypes.addressof(code))
    if pcap.pcap_setfilter(ctypes.c_void_p(handle), ctypes.byref(program)) != 0:
        raise CaptureUnavailable(f"Npcap refused the capture filter on {name.decode()}")
    pcap.pcap_setnonblock(ctypes.c_void_p(handle), 1, errors)
    return ctypes.c_void_p(handle), link


def _drain(pcap: Any, handle: Any, link: Link) -> list[Datagram]:
    out: list[Datagram] = []
    header, data = ctypes.POINTER(PktHdr)(), ctypes.POINTER(ctypes.c_ubyte)()
    for _ in range(512):
        if pcap.pcap_next_ex(handle, ctypes.byref(header), ctypes.byref(data)) != 1:
            break
        captured = ctypes.string_at(data, header.contents.caplen)
        found = datagram(captured, link, header.contents.sec + header.contents.usec / 1e6)
        if found is not None:
            out.append(found)
    return out
