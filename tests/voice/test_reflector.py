"""The reflector over real UDP on loopback: answers its sessions, ignores everything else."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import threading
from collections.abc import Iterator

import pytest

from agentprobe.collector.reflector import Reflector
from agentprobe.voice import wire
from agentprobe.voice.probe import ProbeStream, ProbeTarget


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class LoopThread:
    """A reflector on 127.0.0.1 served by an asyncio loop in a thread."""

    def __init__(self, reflector: Reflector) -> None:
        self.reflector = reflector
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def call(self, coroutine: object) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(5)  # type: ignore[arg-type]

    def __enter__(self) -> Reflector:
        self.thread.start()
        self.call(self.reflector.start("127.0.0.1", 0))
        return self.reflector

    def __exit__(self, *exc: object) -> None:
        self.call(self.reflector.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def reflector(clock: FakeClock) -> Iterator[Reflector]:
    with LoopThread(Reflector(ttl_s=60, max_pps=100, clock=clock)) as running:
        yield running


@pytest.fixture
def udp() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(0.3)
    yield sock
    sock.close()


def _session(reflector: Reflector) -> tuple[bytes, bytes]:
    opened = reflector.open_session("agent-1")
    return bytes.fromhex(opened["session_id"]), base64.b64decode(opened["key"])


def _exchange(sock: socket.socket, reflector: Reflector, packet: bytes) -> bytes | None:
    sock.sendto(packet, ("127.0.0.1", reflector.port or 0))
    try:
        return sock.recv(2048)
    except TimeoutError:
        return None


def test_answers_a_valid_session_with_a_same_size_stamped_reply(
    reflector: Reflector, udp: socket.socket
) -> None:
    session, key = _session(reflector)
    packet = wire.request(key, session, 7, 123456, 172)
    answer = _exchange(udp, reflector, packet)
    assert answer is not None and len(answer) == len(packet) == 172
    reply = wire.parse_reply(key, session, answer)
    assert reply is not None
    assert (reply.kind, reply.seq, reply.t1_ns, reply.count) == (wire.REPLY, 7, 123456, 0)
    assert reply.t3_ns >= reply.t2_ns > 0


def test_ignores_packets_without_a_valid_session(reflector: Reflector, udp: socket.socket) -> None:
    session, key = _session(reflector)
    good = wire.request(key, session, 1, 1, 100)
    forged = wire.request(os.urandom(32), session, 1, 1, 100)  # wrong key
    unknown = wire.request(key, os.urandom(8), 1, 1, 100)  # no such session
    tampered = good[:20] + bytes([good[20] ^ 1]) + good[21:]
    short = good[: wire.MIN_PACKET_BYTES - 1]
    for packet in (forged, unknown, tampered, short, os.urandom(200), b""):
        assert _exchange(udp, reflector, packet) is None
    assert reflector.counters.replied == 0
    assert reflector.counters.ignored >= 5
    assert _exchange(udp, reflector, good) is not None


def test_a_reply_never_outgrows_its_request() -> None:
    reflector = Reflector()
    session, key = _session(reflector)
    for size in (0, 10, 53, 54, 55, 172, 1400, 1401, 9000):
        packet = wire.request(key, session, 1, 1, 10)[:size].ljust(size, b"\0")
        if size >= wire.MIN_PACKET_BYTES:
            body = packet[: size - wire.MAC_BYTES]
            packet = body + wire.mac(key, body)
        answer = reflector.answer(packet)
        assert answer is None or len(answer) <= len(packet)


def test_expired_sessions_are_ignored(
    reflector: Reflector, clock: FakeClock, udp: socket.socket
) -> None:
    session, key = _session(reflector)
    clock.now += 61
    assert _exchange(udp, reflector, wire.request(key, session, 1, 1, 80)) is None


def test_rate_limit_per_session() -> None:
    clock = FakeClock()
    reflector = Reflector(max_pps=50, clock=clock)
    session, key = _session(reflector)
    answered = sum(
        reflector.answer(wire.request(key, session, i, i, 60)) is not None for i in range(80)
    )
    assert answered == 50  # one second's worth, then nothing until tokens come back
    clock.now += 0.5
    assert reflector.answer(wire.request(key, session, 99, 99, 60)) is not None
    assert reflector.sessions[session].limited == 30


def test_sessions_per_agent_are_capped() -> None:
    reflector = Reflector()
    ids = [reflector.open_session("same-agent")["session_id"] for _ in range(20)]
    assert len(reflector.sessions) == 8
    assert bytes.fromhex(ids[-1]) in reflector.sessions


def test_probe_stream_counts_every_packet(reflector: Reflector) -> None:
    session, key = _session(reflector)
    target = ProbeTarget("127.0.0.1", reflector.port or 0, session, key)
    run = ProbeStream(target, 0.005, 172).run(count=40)
    assert (run.sent, run.reflected, len(run.arrivals)) == (40, 40, 40)
    assert all(s.rtt_ms > 0 for s in run.arrivals)


def test_many_sessions_at_once(reflector: Reflector) -> None:
    targets = []
    for n in range(30):
        opened = reflector.open_session(f"agent-{n}")
        targets.append(
            ProbeTarget(
                "127.0.0.1",
                reflector.port or 0,
                bytes.fromhex(opened["session_id"]),
                base64.b64decode(opened["key"]),
            )
        )
    runs = [ProbeStream(t, 0.01, 80) for t in targets]
    threads = [threading.Thread(target=r.run, kwargs={"count": 20}) for r in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert [len(r.run_result.arrivals) for r in runs] == [20] * 30


def test_a_session_opened_on_one_reflector_is_answered_by_another_with_the_secret() -> None:
    clock = FakeClock()
    secret = bytes(range(32))
    opener = Reflector(ttl_s=60, clock=clock, secret=secret)
    sibling = Reflector(ttl_s=60, clock=clock, secret=secret)
    stranger = Reflector(ttl_s=60, clock=clock, secret=bytes(32))
    session, key = _session(opener)
    assert session[:4] == (1060).to_bytes(4, "big")  # the expiry, readable by any node
    assert key == sibling.key_for(session)
    probe = wire.request(key, session, 7, 7, 80)
    reply = sibling.answer(probe)
    assert reply is not None and wire.parse_reply(key, session, reply) is not None
    assert stranger.answer(probe) is None
    clock.now += 61
    assert sibling.answer(wire.request(key, session, 8, 8, 80)) is None  # expired everywhere
