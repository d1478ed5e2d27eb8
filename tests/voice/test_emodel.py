"""Known answers of the G.107 E-model and the G.113 codec values."""

from __future__ import annotations

from dataclasses import replace

import pytest

from agentprobe.voice import emodel


def test_defaults_give_the_standard_rating() -> None:
    r = emodel.rating(emodel.Parameters())
    assert r == pytest.approx(93.2, abs=0.05)
    assert emodel.mos(r) == pytest.approx(4.41, abs=0.005)


def test_g729a_equipment_impairment_lowers_r_by_ie() -> None:
    r = emodel.rating(replace(emodel.Parameters(), ie=11))
    assert r == pytest.approx(82.2, abs=0.05)


@pytest.mark.parametrize(
    ("ie", "ppl", "bpl", "burst_r", "expected"),
    [
        (0, 0, 25.1, 1, 0.0),
        (0, 2, 25.1, 1, 7.01),  # G.711 with PLC, 2 % random loss
        (11, 1, 19, 1, 15.2),  # G.729A, 1 % random loss
        (0, 2, 25.1, 2, 7.28),  # the same loss in bursts hurts more
    ],
)
def test_ie_eff(ie: float, ppl: float, bpl: float, burst_r: float, expected: float) -> None:
    assert emodel.ie_eff(ie, ppl, bpl, burst_r) == pytest.approx(expected, abs=0.01)


def test_absolute_delay_impairment_at_200_ms() -> None:
    base = emodel.rating(emodel.Parameters())
    assert base - emodel.rating(replace(emodel.Parameters(), ta_ms=200)) == pytest.approx(
        3.04, abs=0.01
    )
    assert emodel.rating(replace(emodel.Parameters(), ta_ms=100)) == pytest.approx(base)


@pytest.mark.parametrize(("r", "expected"), [(-5, 1.0), (0, 1.0), (50, 2.575), (120, 4.5)])
def test_mos_mapping_is_clamped(r: float, expected: float) -> None:
    assert emodel.mos(r) == pytest.approx(expected, abs=0.005)


def test_call_quality_degrades_with_delay_jitter_and_loss() -> None:
    g711 = emodel.CODECS["g711"]
    clean = emodel.call_quality(20, 2, 0, 1, g711)[0]
    assert emodel.call_quality(400, 2, 0, 1, g711)[0] < clean
    assert emodel.call_quality(20, 80, 0, 1, g711)[0] < clean
    assert emodel.call_quality(20, 2, 3, 1, g711)[0] < clean
    assert emodel.call_quality(20, 2, 3, 3, g711)[0] < emodel.call_quality(20, 2, 3, 1, g711)[0]
    assert emodel.call_quality(20, 2, 0, 1, emodel.CODECS["g729"])[0] < clean


def test_jitter_buffer_is_at_least_one_packet() -> None:
    assert emodel.jitter_buffer_ms(1) == 20
    assert emodel.jitter_buffer_ms(30) == 60
    assert emodel.mouth_to_ear_ms(100, 30, emodel.CODECS["g729"]) == 50 + 60 + 20 + 5
