"""Which codec a stream carries, guessed from its payload type and its RTP clock.

Static payload types come from RFC 3551 Table 4: 0 (PCMU) and 8 (PCMA) are G.711,
9 is G.722 (whose RTP clock is 8000 Hz although it samples at 16 kHz, RFC 3551 §4.5.2),
18 is G.729. Dynamic types (96-127) are named only in the signalling, which is not
read; their clock rate is inferred instead from the RTP timestamp advance per second
of arrival time, snapped to the common rates. 48 kHz is Opus (RFC 7587 §4.1 fixes its
RTP clock at 48000 whatever the audio bandwidth); 90 kHz is video.
"""

from __future__ import annotations

from dataclasses import dataclass

STATIC = {0: ("g711", 8000), 8: ("g711", 8000), 9: ("g722", 8000), 18: ("g729", 8000)}
STATIC_OTHER_8K = frozenset({3, 4, 5, 7, 13, 15})  # GSM, G.723, DVI4, LPC, CN, G.728
RATES = (8000, 16000, 24000, 32000, 44100, 48000, 90000)
_TOLERANCE = 0.05  # the sums telescope to first-to-last arrival: jitter barely moves them
VIDEO_RATE = 90000


@dataclass(frozen=True, slots=True)
class Guess:
    """A codec name (`g711|g722|opus|g729|unknown`) and the RTP clock rate, Hz (0: unknown)."""

    codec: str
    clock_rate: int

    @property
    def known_clock(self) -> bool:
        return self.clock_rate > 0


UNKNOWN = Guess("unknown", 0)


def from_payload_type(payload_type: int) -> Guess | None:
    """The guess that a static payload type settles, or None when the clock must be measured."""
    if payload_type in STATIC:
        name, rate = STATIC[payload_type]
        return Guess(name, rate)
    if payload_type in STATIC_OTHER_8K:
        return Guess("unknown", 8000)
    return None


def from_clock(timestamp_units: int, seconds: float) -> Guess:
    """The guess for a dynamic payload type whose timestamps advanced `timestamp_units`
    over `seconds` of arrival time (sums over consecutive packets)."""
    if seconds <= 0 or timestamp_units <= 0:
        return UNKNOWN
    measured = timestamp_units / seconds
    rate = min(RATES, key=lambda r: abs(measured - r) / r)
    if abs(measured - rate) / rate > _TOLERANCE:
        return UNKNOWN
    return Guess("opus" if rate == 48000 else "unknown", rate)
