"""Link, IP and UDP headers of one captured frame, turned into a `Datagram`.

Pure: bytes in, a `Datagram` (or None for anything that is not a whole-datagram UDP
packet) out. Links: Ethernet II with up to two 802.1Q/802.1ad tags, Linux cooked
capture v1 and v2, BSD loopback (null) and raw IP. IPv4 honours the header length
(IHL) and skips every fragment (a fragment is not a whole datagram, RFC 791 §3.2);
IPv6 walks the extension headers of RFC 8200 §4 up to the UDP header.
"""

from __future__ import annotations

import enum
import ipaddress
import struct

from agentprobe.calls.tracker import Datagram

ETH_IPV4, ETH_IPV6 = 0x0800, 0x86DD
VLAN_TAGS = (0x8100, 0x88A8)
UDP = 17
IPV6_EXTENSIONS = (0, 43, 60)  # hop-by-hop, routing, destination options (RFC 8200 §4.1)
IPV6_FRAGMENT = 44
BSD_AF_INET, BSD_AF_INET6 = 2, (24, 28, 30)  # AF_INET6 is 24, 28 or 30 by BSD flavour


class Link(enum.IntEnum):
    """Link-layer framings, numbered as pcap's LINKTYPE_ values."""

    NULL = 0
    ETHERNET = 1
    RAW = 101
    LINUX_SLL = 113
    LINUX_SLL2 = 276


def datagram(frame: bytes, link: Link, at: float) -> Datagram | None:
    """The UDP datagram in `frame` (framed by `link`), received at `at` (epoch seconds)."""
    located = network(frame, link)
    if located is None:
        return None
    ethertype, offset = located
    if ethertype == ETH_IPV4:
        return _ipv4(frame, offset, at)
    if ethertype == ETH_IPV6:
        return _ipv6(frame, offset, at)
    return None


def network(frame: bytes, link: Link) -> tuple[int, int] | None:
    """(EtherType, offset) of the network header, or None when it is not IP."""
    if link == Link.ETHERNET:
        return _ethernet(frame)
    if link == Link.LINUX_SLL and len(frame) >= 16:
        return struct.unpack_from("!H", frame, 14)[0], 16
    if link == Link.LINUX_SLL2 and len(frame) >= 20:
        return struct.unpack_from("!H", frame, 0)[0], 20
    if link == Link.NULL and len(frame) >= 4:
        family = int.from_bytes(frame[:4], "little")
        if family == BSD_AF_INET:
            return ETH_IPV4, 4
        return (ETH_IPV6, 4) if family in BSD_AF_INET6 else None
    if link == Link.RAW and frame:
        return {4: ETH_IPV4, 6: ETH_IPV6}.get(frame[0] >> 4, 0), 0
    return None


def _ethernet(frame: bytes) -> tuple[int, int] | None:
    offset = 12
    for _ in range(3):  # the EtherType, behind at most two VLAN tags (IEEE 802.1Q/ad)
        if len(frame) < offset + 2:
            return None
        ethertype = struct.unpack_from("!H", frame, offset)[0]
        if ethertype not in VLAN_TAGS:
            return ethertype, offset + 2
        offset += 4
    return None


def _ipv4(frame: bytes, offset: int, at: float) -> Datagram | None:
    if len(frame) < offset + 20 or frame[offset] >> 4 != 4:
        return None
    header = (frame[offset] & 0x0F) * 4
    flags_fragment = struct.unpack_from("!H", frame, offset + 6)[0]
    if header < 20 or frame[offset + 9] != UDP or flags_fragment & 0x3FFF:
        return None  # MF set or a non-zero offset: part of a datagram only
    src = ipaddress.IPv4Address(frame[offset + 12 : offset + 16])
    dst = ipaddress.IPv4Address(frame[offset + 16 : offset + 20])
    return _udp(frame, offset + header, str(src), str(dst), at)


def _ipv6(frame: bytes, offset: int, at: float) -> Datagram | None:
    if len(frame) < offset + 40 or frame[offset] >> 4 != 6:
        return None
    src = ipaddress.IPv6Address(frame[offset + 8 : offset + 24])
    dst = ipaddress.IPv6Address(frame[offset + 24 : offset + 40])
    following, position = frame[offset + 6], offset + 40
    for _ in range(8):  # bounded: real packets carry one or two extension headers
        if following == UDP:
            return _udp(frame, position, str(src), str(dst), at)
        if following not in IPV6_EXTENSIONS or len(frame) < position + 2:
            return None  # a fragment, ESP, or a truncated chain
        following, position = frame[position], position + (frame[position + 1] + 1) * 8
    return None


def _udp(frame: bytes, offset: int, src: str, dst: str, at: float) -> Datagram | None:
    if len(frame) < offset + 8:
        return None
    sport, dport, length = struct.unpack_from("!HHH", frame, offset)
    if length < 8:
        return None
    payload = frame[offset + 8 : offset + length]  # Ethernet padding is not payload
    return Datagram(at=at, src=(src, sport), dst=(dst, dport), payload=payload, length=length - 8)
