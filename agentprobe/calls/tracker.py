"""Groups captured UDP datagrams into calls and turns each finished call into a record.

A flow is one UDP 5-tuple; a call is every media flow between this host and one remote
IP address (through TURN: one relay and one peer behind it, so two calls through one
relay stay apart). Each datagram is classified by its first byte (RFC 7983); TURN Send
and Data indications and ChannelData are unwrapped to the peer's datagram; an SSRC
counts as media only after two packets close in sequence (the RFC 3550 §A.1 probation),
which keeps DNS, QUIC and game traffic that happens to start with 0b10 out. A call ends after
`idle_s` without RTP in either direction.

Transport: `turn-channel` or `turn-send` when the media came through a TURN relay;
otherwise `srtp` when the path showed encryption (a DTLS handshake, RFC 5764; ZRTP,
RFC 6189; or RTCP whose lengths do not add up, the shape of SRTCP, RFC 3711 §3.4), and
`rtp` when it showed none. The RTP header itself cannot tell SRTP from RTP: SRTP
encrypts only the payload, and its authentication tag looks like payload. So SRTP keyed
by SDES (RFC 4568) whose RTCP is never seen reads as `rtp`; the `encrypted` metric says
what was seen whatever the transport.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from agentprobe.calls import demux, rtcp, stun
from agentprobe.calls.call import LiveCall, Path
from agentprobe.calls.metrics import finish
from agentprobe.calls.record import CallRecord
from agentprobe.calls.rtp import parse_rtp

Endpoint = tuple[str, int]
PathKey = tuple[Endpoint, Endpoint, Endpoint | None]  # local, remote, TURN peer
MAX_PATHS = 4096  # 5-tuples (and TURN peers) remembered; the least recently seen go first
MAX_CALLS = 64
MAX_CHANNELS = 64  # TURN channel bindings remembered per flow
# A Data indication may carry DATA before XOR-PEER-ADDRESS (RFC 8656 §11.6 sets no
# order; coturn does so), and a capture that keeps headers only then never sees the
# peer: such media goes to the one peer this allocation has shown, else to this stand-in.
UNSEEN_PEER: Endpoint = ("peer unseen", 0)


@dataclass(frozen=True)
class Datagram:
    """One captured UDP datagram; only the headers inside `payload` are ever read."""

    at: float  # receive time, seconds since the epoch (kernel timestamp)
    src: tuple[str, int]  # source IP address and UDP port
    dst: tuple[str, int]
    payload: bytes  # the UDP payload as captured (maybe truncated)
    length: int  # the UDP payload's full length on the wire


@dataclass(frozen=True)
class _Where:
    """Where a (possibly unwrapped) datagram belongs."""

    at: float
    outbound: bool
    local: Endpoint
    remote: Endpoint
    path: Path
    peer: Endpoint | None = None  # the TURN peer when unwrapped
    relay: str | None = None  # turn-send or turn-channel


class CallTracker:
    """Calls between this host and each remote, from the datagrams fed in time order."""

    def __init__(
        self,
        is_local: Callable[[str], bool],
        hash_remote: Callable[[str], str],
        idle_s: float = 5.0,
        ignore: Callable[[tuple[str, int]], bool] = lambda a: False,
    ) -> None:
        self.is_local, self.hash_remote = is_local, hash_remote
        self.idle_s, self.ignore = idle_s, ignore
        self._paths: OrderedDict[PathKey, Path] = OrderedDict()
        self._calls: dict[tuple[str, Endpoint | None], LiveCall] = {}
        self._now = 0.0

    def feed(self, datagram: Datagram) -> None:
        """Account one datagram (either direction); anything not call media is dropped."""
        kind = demux.classify(datagram.payload)
        if kind is None or self.ignore(datagram.src) or self.ignore(datagram.dst):
            return
        oriented = self._orient(datagram.src, datagram.dst)
        if oriented is None:
            return
        local, remote, outbound = oriented
        self._now = max(self._now, datagram.at)
        path = self._path((local, remote, None), datagram.at)
        where = _Where(datagram.at, outbound, local, remote, path)
        self._dispatch(kind, datagram.payload, datagram.length, where)

    def expire(self, now: float) -> list[CallRecord]:
        """Records of the calls without media for `idle_s` at `now`; they are forgotten."""
        self._now = max(self._now, now)
        ended = [key for key, call in self._calls.items() if call.last_at + self.idle_s <= now]
        for key in [k for k, p in self._paths.items() if p.last_at + self.idle_s <= now]:
            del self._paths[key]
        return [self._record(self._calls.pop(key)) for key in ended]

    def finish(self) -> list[CallRecord]:
        """Records of every open call, as if each ended at its last media packet."""
        records = [self._record(call) for call in self._calls.values()]
        self._calls.clear()
        self._paths.clear()
        return records

    def live_calls(self) -> int:
        """Calls with media in the last `idle_s` (by the newest datagram's time)."""
        return sum(1 for c in self._calls.values() if c.last_at > self._now - self.idle_s)

    def _orient(self, src: Endpoint, dst: Endpoint) -> tuple[Endpoint, Endpoint, bool] | None:
        """(local, remote, outbound); a call between two local addresses (loopback) is
        seen from its lower endpoint; traffic that is not this host's is None."""
        src_local, dst_local = self.is_local(src[0]), self.is_local(dst[0])
        if src_local == dst_local and not src_local:
            return None
        outbound = src_local if src_local != dst_local else src < dst
        return (src, dst, True) if outbound else (dst, src, False)

    def _path(self, key: PathKey, at: float) -> Path:
        path = self._paths.get(key)
        if path is None:
            path = self._paths[key] = Path()
            while len(self._paths) > MAX_PATHS:
                self._paths.popitem(last=False)
        else:
            self._paths.move_to_end(key)
        path.last_at = max(path.last_at, at)
        return path

    def _dispatch(self, kind: demux.Kind, data: bytes, length: int, where: _Where) -> None:
        if kind is demux.Kind.RTP:
            self._rtp(data, length, where)
        elif kind is demux.Kind.RTCP:
            self._rtcp(data, length, where)
        elif kind is demux.Kind.STUN:
            self._stun(data, length, where)
        elif kind is demux.Kind.CHANNEL_DATA and where.peer is None:
            self._channel_data(data, length, where)
        elif kind is demux.Kind.DTLS and demux.is_dtls_handshake(data):
            where.path.dtls = True
        elif kind is demux.Kind.ZRTP and demux.is_zrtp(data):
            where.path.zrtp = True

    def _rtp(self, data: bytes, length: int, where: _Where) -> None:
        header = parse_rtp(data, length)
        if header is None:
            return
        key = (where.remote[0], where.peer)
        call = self._calls.get(key)
        streams = None if call is None else call.tx if where.outbound else call.rx
        if streams is None or header.ssrc not in streams:
            held = where.path.confirm(header, where.at, length, where.outbound)
            call = call or (self._open(key, where) if held else None)
            if not held or call is None:
                return  # on probation (RFC 3550 §A.1), or too many calls
            waiting = [h[0] for h in held] + [header]
            first = min(waiting, key=lambda h: _behind(h.sequence, header.sequence))
            for packet in held:
                call.add_rtp(*packet, where.outbound, first=first)
        assert call is not None
        call.add_rtp(header, where.at, length, where.outbound)
        call.attach(where.path)
        if where.relay:
            call.relayed.add(where.relay)

    def _open(self, key: tuple[str, Endpoint | None], where: _Where) -> LiveCall | None:
        if len(self._calls) >= MAX_CALLS:
            return None
        name = key[0] if key[1] is None else f"{key[0]} {key[1][0]}"
        call = LiveCall(uuid.uuid4().hex, self.hash_remote(name), where.at)
        self._calls[key] = call
        return call

    def _rtcp(self, data: bytes, length: int, where: _Where) -> None:
        if len(data) != length:
            return  # cut short by the capture: lengths cannot be checked
        reports = rtcp.parse_compound(data)
        if reports is None:
            where.path.srtcp = where.path.srtcp or rtcp.looks_like_srtcp(data)
            return
        call = self._calls.get((where.remote[0], where.peer))
        if call is not None:
            call.add_rtcp(reports, where.at, where.outbound)
            call.attach(where.path)

    def _stun(self, data: bytes, length: int, where: _Where) -> None:
        message = stun.parse_stun(data, length)
        if message is None:
            return
        if message.method == stun.BINDING:
            if message.klass == stun.REQUEST and where.outbound:
                where.path.rtt.request_sent(message.transaction_id, where.at)
            elif message.klass == stun.SUCCESS and not where.outbound:
                where.path.rtt.response_received(message.transaction_id, where.at)
            return
        if message.peer is not None and where.peer is None:
            where.path.saw_peer(message.peer)
        relayed = message.method == (stun.SEND if where.outbound else stun.DATA)
        if message.klass == stun.INDICATION and relayed and where.peer is None:
            if message.data is not None:
                peer = message.peer or where.path.only_peer() or UNSEEN_PEER
                self._inner(message.data, peer, "turn-send", where)
        elif message.method == stun.CHANNEL_BIND and message.klass == stun.REQUEST:
            self._bind(message, where)

    def _bind(self, message: stun.StunMessage, where: _Where) -> None:
        """Remember which peer a TURN channel stands for (RFC 8656 §12.1)."""
        known = message.channel is not None and message.peer is not None
        if known and where.outbound and len(where.path.channels) < MAX_CHANNELS:
            assert message.channel is not None and message.peer is not None
            where.path.channels[message.channel] = message.peer

    def _channel_data(self, data: bytes, length: int, where: _Where) -> None:
        framed = stun.parse_channel_data(data, length)
        if framed is not None:
            unbound = where.path.only_peer() or (f"channel {framed.channel:#x}", 0)
            peer = where.path.channels.get(framed.channel, unbound)
            self._inner(framed.data, peer, "turn-channel", where)

    def _inner(self, data: stun.Relayed, peer: Endpoint, relay: str, outer: _Where) -> None:
        kind = demux.classify(data.payload)
        if kind is None:
            return
        path = self._path((outer.local, outer.remote, peer), outer.at)
        where = _Where(outer.at, outer.outbound, outer.local, outer.remote, path, peer, relay)
        self._dispatch(kind, data.payload, data.length, where)

    def _record(self, call: LiveCall) -> CallRecord:
        if call.relayed:
            transport = "turn-channel" if "turn-channel" in call.relayed else "turn-send"
        else:
            transport = "srtp" if call.encrypted else "rtp"
        return finish(call, transport)


def _behind(sequence: int, reference: int) -> int:
    """Signed distance of a 16-bit sequence number from a reference, across the wrap."""
    return (sequence - reference + 32768) % 65536 - 32768
