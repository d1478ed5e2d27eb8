"""STUN and TURN on the wire for the call media rig, and a minimal TURN client.

Message and attribute framing (RFC 8489 §5, §14), XOR-mapped addresses (§14.2),
ChannelData (RFC 8656 §12.4) and Send/Data indications (§11), and `TurnClient`: Allocate
with long-term credentials (RFC 8489 §9.2: a first Allocate learns realm and nonce from
the 401, the next carries USERNAME, REALM, NONCE and MESSAGE-INTEGRITY), CreatePermission
and ChannelBind, which is all coturn needs to relay a test stream.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import socket
import struct
import time

MAGIC = 0x2112A442
ALLOCATE, CREATE_PERMISSION, CHANNEL_BIND = 0x003, 0x008, 0x009
SEND_INDICATION, DATA_INDICATION = 0x0016, 0x0017
USERNAME, MESSAGE_INTEGRITY, REALM, NONCE = 0x0006, 0x0008, 0x0014, 0x0015
XOR_PEER_ADDRESS, DATA, XOR_RELAYED_ADDRESS = 0x0012, 0x0013, 0x0016
REQUESTED_TRANSPORT, CHANNEL_NUMBER, LIFETIME = 0x0019, 0x000C, 0x000D


def attribute(kind: int, value: bytes) -> bytes:
    return struct.pack("!HH", kind, len(value)) + value + b"\0" * (-len(value) % 4)


def xor_address(host: str, port: int, transaction: bytes) -> bytes:
    """XOR-MAPPED-ADDRESS encoding (RFC 8489 §14.2), for XOR-PEER/RELAYED-ADDRESS."""
    address = ipaddress.ip_address(host)
    mask = struct.pack("!I", MAGIC) + (transaction if address.version == 6 else b"")
    packed = bytes(a ^ b for a, b in zip(address.packed, mask, strict=False))
    family = 1 if address.version == 4 else 2
    return struct.pack("!BBH", 0, family, port ^ (MAGIC >> 16)) + packed


def parse_xor_address(value: bytes, transaction: bytes) -> tuple[str, int]:
    family, port = value[1], struct.unpack("!H", value[2:4])[0] ^ (MAGIC >> 16)
    mask = struct.pack("!I", MAGIC) + (transaction if family == 2 else b"")
    raw = bytes(a ^ b for a, b in zip(value[4:], mask, strict=False))
    return str(ipaddress.ip_address(raw)), port


def stun_message(kind: int, attributes: bytes, transaction: bytes) -> bytes:
    return struct.pack("!HHI", kind, len(attributes), MAGIC) + transaction + attributes


def indication(
    inner: bytes, peer: tuple[str, int], transaction: bytes, kind: int = SEND_INDICATION
) -> bytes:
    """A TURN Send (client to server) or Data (server to client) indication (RFC 8656 §10)."""
    peer_value = xor_address(*peer, transaction)
    body = attribute(XOR_PEER_ADDRESS, peer_value) + attribute(DATA, inner)
    return stun_message(kind, body, transaction)


def channel_data(inner: bytes, channel: int) -> bytes:
    return struct.pack("!HH", channel, len(inner)) + inner + b"\0" * (-len(inner) % 4)


def parse_attributes(message: bytes) -> dict[int, bytes]:
    found, offset = {}, 20
    end = 20 + struct.unpack("!H", message[2:4])[0]
    while offset + 4 <= min(end, len(message)):
        kind, size = struct.unpack("!HH", message[offset : offset + 4])
        found.setdefault(kind, message[offset + 4 : offset + 4 + size])
        offset += 4 + size + (-size % 4)
    return found


class TurnError(RuntimeError):
    pass


class TurnClient:
    """A minimal TURN client over UDP with long-term credentials (RFC 8656 §7, §9, §11)."""

    def __init__(self, sock: socket.socket, server: tuple[str, int], user: str, password: str):
        self.sock, self.server, self.user, self.password = sock, server, user, password
        self.realm = self.nonce = b""
        self.relayed: tuple[str, int] | None = None

    def allocate(self) -> tuple[str, int]:
        transport = attribute(REQUESTED_TRANSPORT, bytes([17, 0, 0, 0]))
        reply = self._request(ALLOCATE, transport + attribute(LIFETIME, struct.pack("!I", 600)))
        transaction = reply[8:20]
        self.relayed = parse_xor_address(parse_attributes(reply)[XOR_RELAYED_ADDRESS], transaction)
        return self.relayed

    def permit(self, peer: tuple[str, int]) -> None:
        self._request(CREATE_PERMISSION, attribute(XOR_PEER_ADDRESS, xor_address(*peer, b"")))

    def bind(self, channel: int, peer: tuple[str, int]) -> None:
        number = attribute(CHANNEL_NUMBER, struct.pack("!HH", channel, 0))
        self._request(CHANNEL_BIND, number + attribute(XOR_PEER_ADDRESS, xor_address(*peer, b"")))

    def _request(self, method: int, body: bytes) -> bytes:
        for _ in range(3):  # the first try learns the realm and nonce (401) or a fresh nonce (438)
            transaction = os.urandom(12)
            message = self._signed(method, body, transaction) if self.realm else None
            self.sock.sendto(message or stun_message(method, body, transaction), self.server)
            reply = self._reply(transaction)
            kind = struct.unpack("!H", reply[:2])[0]
            if kind == 0x0100 | method:
                return reply
            attributes = parse_attributes(reply)
            self.realm = attributes.get(REALM, self.realm)
            self.nonce = attributes.get(NONCE, self.nonce)
        raise TurnError(f"TURN method {method:#x} refused: {reply[20:80]!r}")

    def _signed(self, method: int, body: bytes, transaction: bytes) -> bytes:
        body += attribute(USERNAME, self.user.encode()) + attribute(REALM, self.realm)
        body += attribute(NONCE, self.nonce)
        key = hashlib.md5(b":".join([self.user.encode(), self.realm, self.password.encode()]))
        head = struct.pack("!HHI", method, len(body) + 24, MAGIC) + transaction  # RFC 8489 §14.5
        integrity = hmac.new(key.digest(), head + body, hashlib.sha1).digest()
        return head + body + attribute(MESSAGE_INTEGRITY, integrity)

    def _reply(self, transaction: bytes) -> bytes:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            data, _ = self.sock.recvfrom(4096)
            if data[8:20] == transaction:
                return data
        raise TurnError("no answer from the TURN server")
