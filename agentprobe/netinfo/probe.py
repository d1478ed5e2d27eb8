"""Timing the first hop and the resolver, without root.

Gateway round trip, in order of preference:
1. An unprivileged ICMP datagram socket: a true echo, no child process. Linux allows it
   when the caller's group is in `net.ipv4.ping_group_range`; macOS always does.
2. The system `ping`: still a true ICMP echo, made by a tool the OS lets send it
   (setuid or cap_net_raw on Linux; on Windows, where Python needs admin rights for ICMP).
3. A TCP connect to the gateway on 53, 80 or 443: home routers answer with SYN-ACK (DNS
   proxy, admin page) or RST (closed port), either of which takes one round trip. Last,
   because some routers drop SYNs silently and each silent port costs a full timeout.
"""

from __future__ import annotations

import os
import socket
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from agentprobe.netinfo.icmp import echo_request, parse_ping, reply_sequence
from agentprobe.netinfo.model import Runner

TCP_PORTS = (53, 80, 443)


@dataclass(frozen=True)
class Rtt:
    """Median round trip in ms (None when nothing answered), how it was measured, and why not."""

    ms: float | None
    method: str = ""
    reason: str = ""


class Prober:
    """Measures the gateway RTT and DNS resolution time for real."""

    def __init__(
        self,
        run: Runner,
        platform: str = sys.platform,
        timeout: float = 1.0,
        icmp: Callable[[str, int, float], list[float]] | None = None,
        tcp: Callable[[str, int, int, float], list[float]] | None = None,
    ) -> None:
        self.run, self.platform, self.timeout = run, platform, timeout
        self.icmp, self.tcp = icmp or icmp_rtts, tcp or tcp_rtts

    def gateway_rtt(self, gateway: str, count: int) -> Rtt:
        tried = []
        try:
            samples = self.icmp(gateway, count, self.timeout)
            if samples:
                return Rtt(round(statistics.median(samples), 2), "icmp")
            tried.append("ICMP echo got no reply")
        except OSError as error:
            tried.append(f"ICMP socket not permitted ({error.strerror or error})")
        samples = parse_ping(self.run(self._ping_argv(gateway, count)) or "")
        if samples:
            return Rtt(round(statistics.median(samples), 2), "ping")
        tried.append("ping got no reply")
        for port in TCP_PORTS:
            samples = self.tcp(gateway, port, count, self.timeout)
            if samples:
                return Rtt(round(statistics.median(samples), 2), f"tcp:{port}")
        tried.append(f"TCP {'/'.join(map(str, TCP_PORTS))} got no answer")
        return Rtt(None, "", "; ".join(tried))

    def _ping_argv(self, gateway: str, count: int) -> list[str]:
        if self.platform.startswith("win"):
            return ["ping", "-n", str(count), "-w", str(int(self.timeout * 1000)), gateway]
        if self.platform == "darwin":
            return ["ping", "-n", "-c", str(count), "-t", str(count + 1), gateway]
        return ["ping", "-n", "-c", str(count), "-i", "0.2", "-W", "1", gateway]

    def resolve(self, name: str) -> Rtt:
        """Time to resolve `name` through the system resolver (what a softphone sees)."""
        started = time.perf_counter()
        try:
            socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
        except (socket.gaierror, UnicodeError) as error:
            reason = getattr(error, "strerror", None) or str(error)
            return Rtt(None, "getaddrinfo", f"could not resolve {name}: {reason}")
        return Rtt(round((time.perf_counter() - started) * 1000, 2), "getaddrinfo")


def icmp_rtts(address: str, count: int, timeout: float) -> list[float]:
    """Echo round trips in ms over an unprivileged ICMP socket. Raises OSError if refused."""
    samples: list[float] = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP) as sock:
        ident = os.getpid() & 0xFFFF
        for sequence in range(1, count + 1):
            started = time.perf_counter()
            sock.sendto(echo_request(ident, sequence), (address, 0))
            if _await_reply(sock, sequence, started + timeout):
                samples.append((time.perf_counter() - started) * 1000)
    return samples


def _await_reply(sock: socket.socket, sequence: int, deadline: float) -> bool:
    for _ in range(64):  # stray replies to earlier probes are skipped, boundedly
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return False
        sock.settimeout(remaining)
        try:
            packet = sock.recv(2048)
        except TimeoutError:
            return False
        if reply_sequence(packet) == sequence:
            return True
    return False


def tcp_rtts(address: str, port: int, count: int, timeout: float) -> list[float]:
    """TCP handshake times in ms; a refusal (RST) counts as an answer. Empty if silent."""
    samples: list[float] = []
    for _ in range(count):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            started = time.perf_counter()
            try:
                sock.connect((address, port))
            except ConnectionRefusedError:
                pass
            except OSError:
                return samples
            samples.append((time.perf_counter() - started) * 1000)
    return samples
