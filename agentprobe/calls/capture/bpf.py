"""A classic BPF program (assembled here) that keeps UDP headers and media headers only.

The kernel runs it on every packet; its return value is how many bytes of the packet
reach user space (0 drops it). Only UDP over IPv4 (not fragmented) or IPv6 passes, and
of its payload only the bytes the call engine reads, worked out per packet by RFC 7983
demultiplexing on the first byte:

- RTP (RFC 3550 §5.1): the fixed header, the CSRCs and, when X is set, the header
  extension's profile and length word, but never the extension's values (an RFC 6464
  audio level is content) and never the payload;
- RTCP (RFC 3550 §6.4): all of it, control and no media: the engine checks that its
  packet lengths add up (RFC 3550 §A.2) and reads SR/RR reports, stepping over SDES;
- STUN (RFC 8489 §5): the 20-byte header; for a TURN Send or Data indication (RFC 8656
  §11) the attributes before DATA, then the inner packet's header as above; for a
  ChannelBind request its first two attributes (channel number and peer address);
- DTLS and ZRTP (RFC 7983 §7): the record or packet header, which says SRTP is keyed;
- TURN ChannelData (RFC 8656 §12.4): its 4-byte header, then the inner header;
- anything else (DTLS, QUIC, DNS...): the IP and UDP headers alone.

Jumps in classic BPF only go forward, so the STUN attribute walk is unrolled.
"""

from __future__ import annotations

import enum

from agentprobe.calls.capture.assembler import (
    ABS,
    ADD,
    ALU,
    AND,
    IMM,
    IND,
    JA,
    JEQ,
    JGE,
    JGT,
    JMP,
    JSET,
    LD,
    LDX,
    LSH,
    MEM,
    MISC,
    MSH,
    RET,
    RVAL_A,
    SKF_AD_PROTOCOL,
    SRC_K,
    SRC_X,
    ST,
    TAX,
    TXA,
    B,
    H,
    Insn,
    Item,
    W,
    assemble,
)
from agentprobe.calls.capture.assembler import pack as pack  # what the readers hand the kernel

RTCP_KEEP = 0xFFFF  # the whole datagram: reports, and the lengths that validate them
DTLS_RECORD_HEADER = 13
ZRTP_HEADER = 12
STUN_HEADER = 20
ATTRIBUTE_VALUE_MAX = 32  # XOR-PEER-ADDRESS for IPv6 is 20; larger is not a header
ATTRIBUTES_WALKED = 4
RTP_HEADER_MAX = 12 + 15 * 4 + 4  # fixed header, 15 CSRCs, extension profile and length
MEDIA_KEEP_MAX = STUN_HEADER + ATTRIBUTES_WALKED * (4 + ATTRIBUTE_VALUE_MAX) + 4 + RTP_HEADER_MAX


class Framing(enum.Enum):
    """What precedes the IP header in the packets the filter sees."""

    COOKED = "cooked"  # Linux SOCK_DGRAM packet socket: the IP header, protocol in the skb
    ETHERNET = "ethernet"  # Ethernet II, optionally one 802.1Q tag (BSD bpf, Npcap)
    NULL = "null"  # BSD loopback: a 4-byte address family in host order


def program(framing: Framing) -> list[tuple[int, int, int, int]]:
    """The whole filter for `framing`, assembled."""
    return assemble([*_dispatch(framing), *_payload()])


def _dispatch(framing: Framing) -> list[Item]:
    if framing is Framing.COOKED:
        head: list[Item] = [
            Insn(LD | W | ABS, SKF_AD_PROTOCOL),
            Insn(JMP | JEQ, 0x0800, "ipv4@0"),
            Insn(JMP | JEQ, 0x86DD, "ipv6@0", "drop@link"),
        ]
        return [*head, "drop@link", Insn(RET, 0), *_ipv4(0), *_ipv6(0)]
    if framing is Framing.NULL:
        head = [
            Insn(LD | W | ABS, 0),
            Insn(JMP | JEQ, 0x02000000, "ipv4@4"),  # AF_INET, little-endian host order
            Insn(JMP | JEQ, 0x1E000000, "ipv6@4", "drop@link"),  # AF_INET6 on macOS
        ]
        return [*head, "drop@link", Insn(RET, 0), *_ipv4(4), *_ipv6(4)]
    head = [
        Insn(LD | H | ABS, 12),
        Insn(JMP | JEQ, 0x0800, "ipv4@14"),
        Insn(JMP | JEQ, 0x86DD, "ipv6@14"),
        Insn(JMP | JEQ, 0x8100, None, "drop@link"),
        Insn(LD | H | ABS, 16),
        Insn(JMP | JEQ, 0x0800, "ipv4@18"),
        Insn(JMP | JEQ, 0x86DD, "ipv6@18", "drop@link"),
    ]
    tails = [*_ipv4(14), *_ipv6(14), *_ipv4(18), *_ipv6(18)]
    return [*head, "drop@link", Insn(RET, 0), *tails]


def _ipv4(base: int) -> list[Item]:
    """IPv4 at `base`: UDP, not a fragment; X = payload start (RFC 791 §3.1 IHL)."""
    drop = f"drop@ipv4@{base}"
    return [
        f"ipv4@{base}",
        Insn(LD | B | ABS, base + 9),
        Insn(JMP | JEQ, 17, None, drop),
        Insn(LD | H | ABS, base + 6),
        Insn(JMP | JSET, 0x3FFF, drop),  # MF or a fragment offset
        Insn(LDX | B | MSH, base),  # X = 4 * IHL
        Insn(MISC | TXA),
        Insn(ALU | ADD | SRC_K, base + 8),
        Insn(MISC | TAX),
        Insn(JMP | JA, jt="top"),
        drop,
        Insn(RET, 0),
    ]


def _ipv6(base: int) -> list[Item]:
    """IPv6 at `base`: UDP directly or behind one extension header (RFC 8200 §4)."""
    drop, udp, ext = f"drop@ipv6@{base}", f"udp@ipv6@{base}", f"ext@ipv6@{base}"
    return [
        f"ipv6@{base}",
        Insn(LD | B | ABS, base + 6),
        Insn(JMP | JEQ, 17, udp),
        Insn(JMP | JEQ, 0, ext),
        Insn(JMP | JEQ, 43, ext),
        Insn(JMP | JEQ, 60, ext, drop),
        udp,
        Insn(LDX | IMM, base + 48),
        Insn(JMP | JA, jt="top"),
        ext,
        Insn(LD | B | ABS, base + 41),  # Hdr Ext Len, in 8-octet units past the first 8
        Insn(ALU | ADD | SRC_K, 1),
        Insn(ALU | LSH | SRC_K, 3),
        Insn(MISC | TAX),
        Insn(LD | B | ABS, base + 40),  # the extension's Next Header
        Insn(JMP | JEQ, 17, None, drop),
        Insn(MISC | TXA),
        Insn(ALU | ADD | SRC_K, base + 48),
        Insn(MISC | TAX),
        Insn(JMP | JA, jt="top"),
        drop,
        Insn(RET, 0),
    ]


def _payload() -> list[Item]:
    """With X at the UDP payload: return how many bytes of the packet to keep."""
    return [*_top(), *_walk(), *_inner(), *_keys(), *_rtp()]


def _top() -> list[Item]:
    return [
        "top",
        Insn(LD | B | IND, 0),
        Insn(JMP | JGE, 192, "headers"),
        Insn(JMP | JGE, 128, "rtp-or-rtcp"),
        Insn(JMP | JGE, 80, "headers"),
        Insn(JMP | JGE, 64, "channel"),
        Insn(JMP | JGE, 20, "dtls"),
        Insn(JMP | JGE, 16, "zrtp"),
        Insn(JMP | JGE, 4, "headers"),
        Insn(LD | H | IND, 0),  # STUN message type (RFC 8489 §5)
        Insn(JMP | JEQ, 0x0016, "walk"),  # Send indication
        Insn(JMP | JEQ, 0x0017, "walk"),  # Data indication
        Insn(JMP | JEQ, 0x0009, "bind", "stun"),  # ChannelBind request
        "stun",
        Insn(MISC | TXA),
        Insn(ALU | ADD | SRC_K, STUN_HEADER),
        Insn(RET | RVAL_A),
        "bind",  # CHANNEL-NUMBER and XOR-PEER-ADDRESS come first (RFC 8656 §11.1)
        Insn(MISC | TXA),
        Insn(ALU | ADD | SRC_K, STUN_HEADER),
        Insn(MISC | TAX),
        *_step("bind-end"),
        *_step("bind-end"),
        "bind-end",
        Insn(MISC | TXA),
        Insn(RET | RVAL_A),
    ]


def _step(too_long: str) -> list[Item]:
    """X over one attribute: 4 bytes of type and length, the value padded to 4 bytes."""
    return [
        Insn(LD | H | IND, 2),
        Insn(JMP | JGT, ATTRIBUTE_VALUE_MAX, too_long),
        Insn(ALU | ADD | SRC_K, 3 + 4),
        Insn(ALU | AND | SRC_K, 0xFFFC),
        Insn(ALU | ADD | SRC_X),
        Insn(MISC | TAX),
    ]


def _walk() -> list[Item]:
    """Step over up to four attributes to DATA (RFC 8656 §11.4, §11.6)."""
    items: list[Item] = ["walk", Insn(MISC | TXA), Insn(ALU | ADD | SRC_K, STUN_HEADER)]
    items.append(Insn(MISC | TAX))
    for _ in range(ATTRIBUTES_WALKED):
        items += [Insn(LD | H | IND, 0), Insn(JMP | JEQ, 0x0013, "data"), *_step("headers")]
    return [*items, "headers", Insn(MISC | TXA), Insn(RET | RVAL_A)]


def _inner() -> list[Item]:
    """A TURN-wrapped packet: RTP, RTCP or STUN header only (jumps go forward only,
    so this block has its own exits)."""
    return [
        "data",
        Insn(MISC | TXA),
        Insn(ALU | ADD | SRC_K, 4),
        Insn(MISC | TAX),
        Insn(JMP | JA, jt="inner"),
        "channel",
        Insn(MISC | TXA),
        Insn(ALU | ADD | SRC_K, 4),
        Insn(MISC | TAX),
        "inner",
        Insn(LD | B | IND, 0),
        Insn(JMP | JGE, 192, "inner-headers"),
        Insn(JMP | JGE, 128, "rtp-or-rtcp"),
        Insn(JMP | JGE, 64, "inner-headers"),
        Insn(JMP | JGE, 20, "dtls"),
        Insn(JMP | JGE, 16, "zrtp"),
        Insn(JMP | JGE, 4, "inner-headers"),
        Insn(MISC | TXA),
        Insn(ALU | ADD | SRC_K, STUN_HEADER),  # STUN through the relay: header only
        Insn(RET | RVAL_A),
        "inner-headers",
        Insn(MISC | TXA),
        Insn(RET | RVAL_A),
    ]


def _keys() -> list[Item]:
    """Enough to see that SRTP is keyed: a DTLS record header (RFC 6347 §4.1, content
    type 22 is a handshake) or a ZRTP packet header with its magic cookie (RFC 6189 §5)."""
    return [
        "dtls",
        Insn(MISC | TXA),
        Insn(ALU | ADD | SRC_K, DTLS_RECORD_HEADER),
        Insn(RET | RVAL_A),
        "zrtp",
        Insn(MISC | TXA),
        Insn(ALU | ADD | SRC_K, ZRTP_HEADER),
        Insn(RET | RVAL_A),
    ]


def _rtp() -> list[Item]:
    """RTCP when the masked payload type is 64..95 (RFC 5761 §4), else RTP."""
    return [
        "rtp-or-rtcp",
        Insn(LD | B | IND, 1),
        Insn(ALU | AND | SRC_K, 0x7F),
        Insn(JMP | JGE, 96, "rtp"),
        Insn(JMP | JGE, 64, None, "rtp"),
        Insn(RET, RTCP_KEEP),  # all of it: RFC 3550 §A.2 validity needs every length word
        "rtp",
        Insn(LD | B | IND, 0),
        Insn(ALU | AND | SRC_K, 0x0F),  # CSRC count
        Insn(ALU | LSH | SRC_K, 2),
        Insn(ALU | ADD | SRC_K, 12),
        Insn(ST, 0),
        Insn(LD | B | IND, 0),
        Insn(JMP | JSET, 0x10, "extension"),  # X bit: profile and length word follow
        Insn(LD | MEM, 0),
        Insn(ALU | ADD | SRC_X),
        Insn(RET | RVAL_A),
        "extension",
        Insn(LD | MEM, 0),
        Insn(ALU | ADD | SRC_K, 4),
        Insn(ALU | ADD | SRC_X),
        Insn(RET | RVAL_A),
    ]
