"""The ITU-T G.107 E-model: transmission rating R and MOS from delay, loss and codec.

Pure arithmetic, no I/O. `rating()` is the full model (Ro, Is, Id, Ie-eff, A) over the
parameters of G.107 Table 1, whose defaults give R = 93.2 (MOS 4.41). `call_quality()`
maps what the voice probe measures (round-trip time, jitter, loss and its burstiness)
onto those parameters for a given codec.

Codec impairments come from G.113 Appendix I: G.711 with packet-loss concealment
(Ie 0, Bpl 25.1) and G.729A (Ie 11, Bpl 19). G.113 lists no narrowband Ie for Opus, so
Opus uses a documented heuristic: the G.711-with-PLC values (Ie 0, Bpl 25.1), because the
narrowband R scale cannot credit its wideband gain, and in-band FEC is off unless both
ends negotiate it, leaving concealment no better than G.711's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Parameters:
    """G.107 Table 1 inputs; the defaults are the standard's default values."""

    slr: float = 8.0  # send loudness rating, dB
    rlr: float = 2.0  # receive loudness rating, dB
    stmr: float = 15.0  # sidetone masking rating, dB
    lstr: float = 18.0  # listener sidetone rating, dB
    ds: float = 3.0  # D-value of the telephone, send side
    telr: float = 65.0  # talker echo loudness rating, dB
    wepl: float = 110.0  # weighted echo path loss, dB
    t_ms: float = 0.0  # mean one-way delay of the echo path
    tr_ms: float = 0.0  # round-trip delay in a 4-wire loop
    ta_ms: float = 0.0  # absolute (mouth-to-ear) delay
    qdu: float = 1.0  # quantizing distortion units
    ie: float = 0.0  # equipment impairment factor
    bpl: float = 4.3  # packet-loss robustness factor
    ppl: float = 0.0  # random packet-loss probability, %
    burst_r: float = 1.0  # burst ratio (1 = random loss)
    nc: float = -70.0  # circuit noise, dBm0p
    nfor: float = -64.0  # noise floor at the receive side, dBmp
    ps: float = 35.0  # room noise at the send side, dB(A)
    pr: float = 35.0  # room noise at the receive side, dB(A)
    a: float = 0.0  # advantage factor


@dataclass(frozen=True)
class Codec:
    """A codec as the probe imitates it and as the E-model rates it."""

    name: str
    payload_bytes: int  # per 20 ms packet
    ie: float
    bpl: float
    lookahead_ms: float  # algorithmic delay beyond the 20 ms packet


CODECS = {
    "g711": Codec("G.711 with PLC", 160, 0.0, 25.1, 0.0),
    "g729": Codec("G.729A", 20, 11.0, 19.0, 5.0),
    "opus": Codec("Opus (heuristic: G.711 PLC values)", 80, 0.0, 25.1, 6.5),
}
PACKET_MS = 20.0


def _noise(p: Parameters) -> float:
    olr = p.slr + p.rlr
    nos = p.ps - p.slr - p.ds - 100 + 0.004 * (p.ps - olr - p.ds - 14) ** 2
    pre = p.pr + 10 * math.log10(1 + 10 ** ((10 - p.lstr) / 10))
    nor = p.rlr - 121 + pre + 0.008 * (pre - 35) ** 2
    nfo = p.nfor + p.rlr
    return 10 * math.log10(sum(10 ** (n / 10) for n in (p.nc, nos, nor, nfo)))


def _ist(p: Parameters) -> float:
    stmro = -10 * math.log10(10 ** (-p.stmr / 10) + math.exp(-p.t_ms / 4) * 10 ** (-p.telr / 10))
    return (
        12 * (1 + ((stmro - 13) / 6) ** 8) ** (1 / 8)
        - 28 * (1 + ((stmro + 1) / 19.4) ** 35) ** (1 / 35)
        - 13 * (1 + ((stmro - 3) / 33) ** 13) ** (1 / 13)
        + 29
    )


def _simultaneous(p: Parameters, ro: float, no: float, ist: float) -> float:
    """Is: loudness, sidetone and quantizing impairments."""
    olr = p.slr + p.rlr
    xolr = olr + 0.2 * (64 + no - p.rlr)
    iolr = 20 * ((1 + (xolr / 8) ** 8) ** (1 / 8) - xolr / 8)
    q = 37 - 15 * math.log10(p.qdu)
    g = 1.07 + 0.258 * q + 0.0602 * q**2
    y = (ro - 100) / 15 + 46 / 8.4 - g / 9
    z = 46 / 30 - g / 40
    iq = 15 * math.log10(1 + 10**y + 10**z)
    return iolr + ist + iq


def _delay(p: Parameters, ro: float, no: float, ist: float) -> float:
    """Id: talker echo, listener echo and absolute delay impairments."""
    terv = p.telr - 40 * math.log10((1 + p.t_ms / 10) / (1 + p.t_ms / 150))
    terv += 6 * math.exp(-0.3 * p.t_ms**2)
    if p.stmr < 9:
        terv += ist / 2
    roe, re = -1.5 * (no - p.rlr), 80 + 2.5 * (terv - 14)
    idte = ((roe - re) / 2 + math.sqrt((roe - re) ** 2 / 4 + 100) - 1) * (1 - math.exp(-p.t_ms))
    if p.stmr > 20:
        idte = math.sqrt(idte**2 + ist**2)
    rle = 10.5 * (p.wepl + 7) * (p.tr_ms + 1) ** -0.25
    idle = (ro - rle) / 2 + math.sqrt((ro - rle) ** 2 / 4 + 169)
    idd = 0.0
    if p.ta_ms > 100:
        x = math.log10(p.ta_ms / 100) / math.log10(2)
        idd = 25 * ((1 + x**6) ** (1 / 6) - 3 * (1 + (x / 3) ** 6) ** (1 / 6) + 2)
    return idte + idle + idd


def ie_eff(ie: float, ppl: float, bpl: float, burst_r: float = 1.0) -> float:
    """Effective equipment impairment under packet loss `ppl` (%), G.107 eq. 7-29."""
    if ppl <= 0:
        return ie
    return ie + (95 - ie) * ppl / (ppl / burst_r + bpl)


def rating(p: Parameters) -> float:
    """The transmission rating R = Ro − Is − Id − Ie,eff + A."""
    no = _noise(p)
    ro = 15 - 1.5 * (p.slr + no)
    ist = _ist(p)
    impairment = ie_eff(p.ie, p.ppl, p.bpl, p.burst_r)
    return ro - _simultaneous(p, ro, no, ist) - _delay(p, ro, no, ist) - impairment + p.a


def mos(r: float) -> float:
    """MOS (conversational quality, CQE) from R per G.107 Annex B, within [1, 4.5]."""
    if r <= 0:
        return 1.0
    if r >= 100:
        return 4.5
    value = 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6
    return min(4.5, max(1.0, value))


def jitter_buffer_ms(jitter_ms: float) -> float:
    """Delay of an adaptive jitter buffer: twice the RFC 3550 jitter, at least one packet."""
    return max(PACKET_MS, 2.0 * jitter_ms)


def mouth_to_ear_ms(rtt_ms: float, jitter_ms: float, codec: Codec) -> float:
    """One-way delay: half the network RTT + jitter buffer + packetisation + lookahead."""
    return rtt_ms / 2 + jitter_buffer_ms(jitter_ms) + PACKET_MS + codec.lookahead_ms


def call_quality(
    rtt_ms: float, jitter_ms: float, loss_pct: float, burst_r: float, codec: Codec
) -> tuple[float, float]:
    """(R, MOS) of a call over the measured path; jitter is the worse direction's."""
    delay = mouth_to_ear_ms(rtt_ms, jitter_ms, codec)
    params = replace(
        Parameters(),
        t_ms=delay,
        ta_ms=delay,
        tr_ms=2 * delay,
        ie=codec.ie,
        bpl=codec.bpl,
        ppl=max(0.0, loss_pct),
        burst_r=max(1.0, burst_r),
    )
    r = rating(params)
    return r, mos(r)
