"""Linux capture: an AF_PACKET datagram socket per interface, filtered in the kernel.

`SOCK_DGRAM` packet sockets deliver the IP header onwards whatever the link (Ethernet,
Wi-Fi, PPP, WireGuard), so one filter (`bpf.Framing.COOKED`) fits every interface. The
filter is attached before the socket is bound to a protocol (a socket made with protocol
0 receives nothing, packet(7)), so no unfiltered packet is ever queued. Receive times are
the kernel's (SO_TIMESTAMPNS); drops come from PACKET_STATISTICS, which the kernel resets
on every read, so they are summed here.
"""

from __future__ import annotations

import ctypes
import errno
import os
import select
import socket
import struct
import time
from collections.abc import Sequence

from agentprobe.calls.capture import bpf
from agentprobe.calls.capture.headers import Link, datagram
from agentprobe.calls.capture.source import CaptureUnavailable
from agentprobe.calls.tracker import Datagram

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_STATISTICS = 6
SO_ATTACH_FILTER = 26
SO_TIMESTAMPNS = 35  # also the control message type (SCM_TIMESTAMPNS)
PACKET_OUTGOING = 4
ARPHRD_LOOPBACK = 772
RECEIVE_BUFFER = 4 * 1024 * 1024  # the kernel caps it at net.core.rmem_max
BUFFER = 4096  # headers and media headers; longer RTCP is cut, and then not believed
LINK_GONE = (errno.ENETDOWN, errno.ENXIO, errno.ENODEV)  # a Wi-Fi reconnect, a VPN restart
BATCH = 512  # datagrams taken from one socket per read, so no socket starves the others
NO_PRIVILEGE = (
    "passive capture needs CAP_NET_RAW: run it as root, or let the agentprobe-capture "
    "service (which holds that capability alone) do it"
)


class LinuxSource:
    """UDP datagrams (headers only) from the named interfaces, or from all of them."""

    def __init__(self, interfaces: Sequence[str] = ()) -> None:
        self.sockets: list[socket.socket] = []
        self.dropped = 0
        try:
            for name in interfaces or [""]:
                self.sockets.append(_open(name))
        except BaseException:
            self.close()
            raise

    def read(self, timeout_s: float) -> list[Datagram] | None:
        ready, _, _ = select.select(self.sockets, [], [], max(0.0, timeout_s))
        out: list[Datagram] = []
        for sock in ready:
            out.extend(_drain(sock))
        out.sort(key=lambda d: d.at)
        return out

    def drops(self) -> int:
        for sock in self.sockets:
            stats = sock.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8)
            self.dropped += struct.unpack("=II", stats)[1]
        return self.dropped

    def close(self) -> None:
        for sock in self.sockets:
            sock.close()
        self.sockets = []


def _open(name: str) -> socket.socket:
    """A filtered packet socket on `name` ("" = every interface)."""
    try:
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, 0)  # receives nothing yet
    except PermissionError as error:
        raise CaptureUnavailable(NO_PRIVILEGE) from error
    try:
        _attach(sock, bpf.program(bpf.Framing.COOKED))
        sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
        if name:
            sock.bind((name, ETH_P_ALL))
        else:
            _bind_every_interface(sock)
        sock.setblocking(False)
    except OSError as error:
        sock.close()
        if error.errno in (errno.ENODEV, errno.ENXIO):
            raise CaptureUnavailable(f"no network interface named {name!r}") from error
        raise CaptureUnavailable(f"cannot capture on {name or 'any interface'}: {error}") from error
    return sock


def _attach(sock: socket.socket, program: list[tuple[int, int, int, int]]) -> None:
    """SO_ATTACH_FILTER takes a struct sock_fprog {u16 len; struct sock_filter *filter}."""
    code = ctypes.create_string_buffer(bpf.pack(program))
    fprog = struct.pack("HL", len(program), ctypes.addressof(code))
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)  # the kernel copies it


def _bind_every_interface(sock: socket.socket) -> None:
    """bind(2) to ifindex 0, which Python's (name, protocol) address cannot express."""
    address = struct.pack("=HHiHBB8s", socket.AF_PACKET, socket.htons(ETH_P_ALL), 0, 0, 0, 0, b"")
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.bind(sock.fileno(), address, len(address)) != 0:
        number = ctypes.get_errno()
        raise OSError(number, os.strerror(number))


def _drain(sock: socket.socket) -> list[Datagram]:
    out: list[Datagram] = []
    space = socket.CMSG_SPACE(16)
    for _ in range(BATCH):
        try:
            data, ancillary, _, address = sock.recvmsg(BUFFER, space)
        except BlockingIOError:
            break
        except OSError as error:
            if error.errno in LINK_GONE:
                break  # reported once; the kernel resumes the socket when the link is up
            raise
        if address[2] == PACKET_OUTGOING and address[3] == ARPHRD_LOOPBACK:
            continue  # loopback shows every packet twice: leaving and arriving
        found = datagram(data, Link.RAW, _timestamp(ancillary))
        if found is not None:
            out.append(found)
    return out


def _timestamp(ancillary: list[tuple[int, int, bytes]]) -> float:
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(data) >= 16:
            seconds, nanoseconds = struct.unpack_from("=qq", data)
            return seconds + nanoseconds / 1e9
    return time.time()
