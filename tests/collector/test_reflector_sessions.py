"""Whose each reflector session is, on both databases, and the collector task that ends
the sessions of agents cut off elsewhere on a real reflector over UDP."""

from __future__ import annotations

import asyncio
import base64
import socket
import time
from pathlib import Path

from sqlalchemy.engine import Engine

from agentprobe.collector.reflector import Reflector, session_expiry
from agentprobe.collector.revocations import follow_revocations
from agentprobe.collector.store import reflector_sessions as store
from agentprobe.collector.store.credentials import Credentials
from agentprobe.collector.store.schema import open_engine
from agentprobe.voice import wire


def _engine(tmp_path: Path, db_url: str | None) -> Engine:
    return open_engine(db_url or f"sqlite:///{tmp_path / 'c.db'}")


def test_sessions_of_revoked_released_and_re_enrolled_agents_are_cut_off(
    tmp_path: Path, db_url: str | None
) -> None:
    engine = _engine(tmp_path, db_url)
    credentials = Credentials(engine)
    secret = credentials.create_secret()
    for agent in ("keeps", "revoked", "moved"):
        credentials.enroll(secret, agent, "h")
    now = time.time()
    opened = {agent: bytes([n]) * 8 for n, agent in enumerate(("keeps", "revoked", "moved"))}
    for agent, sid in opened.items():
        store.record(engine, sid, agent, now, now + 290)
    store.record(engine, b"\x09" * 8, "nobody", now, now + 290)  # agent row gone
    store.record(engine, b"\x0a" * 8, "revoked", now - 400, now - 100)  # long expired
    assert store.cut_off(engine, now) == [(b"\x09" * 8, now + 290)]
    credentials.revoke_agent("revoked")
    credentials.release_agent("moved")
    credentials.enroll(secret, "moved", "new-pc")
    store.record(engine, b"\x0b" * 8, "moved", time.time() + 1, now + 300)  # after re-enrolling
    cut = sorted(store.cut_off(engine, now))
    assert cut == sorted([(opened["revoked"], now + 290), (opened["moved"], now + 290),
                          (b"\x09" * 8, now + 290)])  # fmt: skip
    assert store.forget_expired(engine, now) == 1  # only the one long expired
    assert store.cut_off(engine, now + 400) == []  # past their expiry nothing is cut off
    engine.dispose()


def test_the_task_ends_sessions_the_database_says_are_cut_off(tmp_path: Path) -> None:
    engine = _engine(tmp_path, None)
    credentials = Credentials(engine)
    credentials.enroll(credentials.create_secret(), "a1", "h")
    opener, answerer = Reflector(secret=b"s" * 32), Reflector(secret=b"s" * 32)
    session = opener.open_session("a1")
    sid, key = bytes.fromhex(session["session_id"]), base64.b64decode(session["key"])
    store.record(engine, sid, "a1", time.time(), session_expiry(sid))

    async def scenario() -> tuple[bool, bool]:
        await answerer.start("127.0.0.1", 0)
        follower = asyncio.create_task(follow_revocations(engine, answerer, poll_s=0.05))
        try:
            before = await _answered(answerer, sid, key)
            await asyncio.to_thread(credentials.revoke_agent, "a1")  # through "another node"
            await asyncio.sleep(0.3)
            return before, await _answered(answerer, sid, key)
        finally:
            follower.cancel()
            await answerer.stop()

    assert asyncio.run(scenario()) == (True, False)
    engine.dispose()


async def _answered(reflector: Reflector, sid: bytes, key: bytes) -> bool:
    """Whether the reflector answers one probe packet of the session over real UDP."""
    loop = asyncio.get_running_loop()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.setblocking(False)
        assert reflector.port is not None
        udp.sendto(wire.request(key, sid, 1, time.time_ns(), 80), ("127.0.0.1", reflector.port))
        try:
            data = await asyncio.wait_for(loop.sock_recv(udp, 2048), 1.0)
        except TimeoutError:
            return False
    return wire.parse_reply(key, sid, data) is not None
