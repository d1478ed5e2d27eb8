"""Gateway and DNS timing: fallback order with fakes; TCP and resolution for real on loopback."""

from __future__ import annotations

import socket

from agentprobe.netinfo.probe import Prober, Rtt, tcp_rtts
from tests.fakes import FakeRunner, data

PING_LINUX = ("ping", "-n", "-c", "3", "-i", "0.2", "-W", "1", "192.168.1.254")


def refused(address: str, count: int, timeout: float) -> list[float]:
    raise PermissionError(13, "Permission denied")


def silent(*args: object) -> list[float]:
    return []


def test_icmp_first() -> None:
    prober = Prober(FakeRunner({}), "linux", icmp=lambda a, n, t: [2.0, 9.0, 3.0], tcp=silent)
    assert prober.gateway_rtt("192.168.1.254", 3) == Rtt(3.0, "icmp")


def test_system_ping_when_icmp_sockets_are_refused() -> None:
    runner = FakeRunner({PING_LINUX: data("linux/ping.txt")})
    prober = Prober(runner, "linux", icmp=refused, tcp=silent)
    assert prober.gateway_rtt("192.168.1.254", 3) == Rtt(3.82, "ping")


def test_ping_command_per_os() -> None:
    windows = FakeRunner({("ping", "-n", "3", "-w", "1000", "10.0.0.1"): data("windows/ping.txt")})
    assert Prober(windows, "win32", icmp=refused, tcp=silent).gateway_rtt("10.0.0.1", 3) == Rtt(
        2.0, "ping"
    )
    mac = FakeRunner({("ping", "-n", "-c", "3", "-t", "4", "10.0.0.1"): data("macos/ping.txt")})
    assert Prober(mac, "darwin", icmp=refused, tcp=silent).gateway_rtt("10.0.0.1", 3) == Rtt(
        4.26,
        "ping",  # median 4.262, rounded to 0.01 ms
    )


def test_tcp_last_then_a_plain_reason() -> None:
    ports: list[int] = []

    def tcp(address: str, port: int, count: int, timeout: float) -> list[float]:
        ports.append(port)
        return [1.5, 1.0, 2.5] if port == 80 else []

    prober = Prober(FakeRunner({}), "linux", icmp=silent, tcp=tcp)
    assert prober.gateway_rtt("192.168.1.254", 3) == Rtt(1.5, "tcp:80")
    assert ports == [53, 80]
    nothing = Prober(FakeRunner({}), "linux", icmp=refused, tcp=silent)
    assert nothing.gateway_rtt("192.168.1.254", 3) == Rtt(
        None,
        "",
        "ICMP socket not permitted (Permission denied); ping got no reply; "
        "TCP 53/80/443 got no answer",
    )


def test_tcp_rtts_on_loopback_count_refusals_and_handshakes() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        open_port = listener.getsockname()[1]
        assert len(tcp_rtts("127.0.0.1", open_port, 3, 1.0)) == 3
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # bound, never listening: the kernel answers RST
        assert len(tcp_rtts("127.0.0.1", closed.getsockname()[1], 2, 1.0)) == 2


def test_resolve_through_the_system_resolver() -> None:
    rtt = Prober(FakeRunner({})).resolve("localhost")
    assert rtt.method == "getaddrinfo" and rtt.ms is not None and rtt.ms >= 0
