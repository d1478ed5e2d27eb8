"""The upload meter: acknowledged bytes where TCP reports them, handed-over bytes elsewhere."""

from __future__ import annotations

import socket

from agentprobe.bandwidth.metering import Meter, bytes_acked
from tests.checks.fakes import ScriptedAcks


def test_upload_counts_acknowledged_bytes_not_handed_over_ones() -> None:
    acks, sock = ScriptedAcks(), socket.socket()
    acks.acked[sock] = 600  # the TLS handshake, already acknowledged when tracking starts
    meter = Meter(probe=acks)
    flow = meter.track(sock)
    meter.add(sent=64_000, flow=flow)  # in the socket buffer and the modem's queue
    acks.acked[sock] = 600 + 20_000
    with sock:
        assert meter.snapshot() == (20_000, 0)


def test_without_tcp_info_the_handed_over_count_is_used() -> None:
    meter = Meter(probe=ScriptedAcks())
    with socket.socket() as sock:
        flow = meter.track(sock)
        meter.add(sent=8192, flow=flow)
        meter.add(received=100)
        assert meter.snapshot() == (8192, 100)


def test_a_released_connection_keeps_its_last_count() -> None:
    acks, sock = ScriptedAcks(), socket.socket()
    acks.acked[sock] = 0
    meter = Meter(probe=acks)
    with sock:
        flow = meter.track(sock)
        acks.acked[sock] = 50_000
        meter.release(flow)
        acks.acked[sock] = 1  # a reused descriptor must not change the figure
        meter.release(flow)
    assert meter.snapshot() == (50_000, 0)
    assert flow.sock is None


def test_bytes_acked_reads_a_real_connection() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    with server, socket.create_connection(server.getsockname()) as client:
        peer, _ = server.accept()
        with peer:
            client.sendall(b"x" * 5000)
            assert peer.recv(5000, socket.MSG_WAITALL) == b"x" * 5000
            acked = bytes_acked(client)
    if acked is not None:  # Linux: all 5000 bytes were received, so acknowledged
        assert acked >= 5000
