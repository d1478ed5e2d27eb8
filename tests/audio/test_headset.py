"""Headset guesses from device names as Windows, macOS and Linux report them."""

from __future__ import annotations

import pytest

from agentprobe.audio.headset import guess, is_builtin, is_headset, is_narrowband, is_virtual
from tests.audio.fakes import device


@pytest.mark.parametrize(
    ("name", "headset"),
    [
        ("Headset Microphone (Jabra EVOLVE 20 MS)", True),
        ("Microphone (Plantronics Blackwire 3220 Series)", True),
        ("Headset (WH-1000XM4 Hands-Free AG Audio)", True),
        ("Microphone (Logitech USB Headset H390)", True),
        ("MacBook Pro Microphone", False),
        ("Microphone Array (Realtek(R) Audio)", False),
        ("default", False),
        ("pulse", False),
        ("Microsoft Sound Mapper - Input", False),
    ],
)
def test_headset_names(name: str, headset: bool) -> None:
    assert is_headset(device(0, name)) is headset


def test_a_usb_device_that_is_input_and_output_is_a_headset() -> None:
    usb = device(4, "USB Audio Device", inputs=1, outputs=2)
    assert is_headset(usb)
    assert not is_headset(device(5, "USB Audio Device", inputs=1))  # input only: a USB mic


def test_builtin_virtual_and_narrowband() -> None:
    assert is_builtin(device(0, "Internal Microphone"))
    assert is_virtual(device(0, "default")) and not is_builtin(device(0, "default"))
    assert is_narrowband(device(0, "Headset (AirPods Hands-Free AG Audio)"))
    assert is_narrowband(device(0, "Bluetooth Headset", rate=8000))
    assert not is_narrowband(device(0, "Headset Microphone (Jabra EVOLVE 20 MS)"))


def test_guess_prefers_the_default_input() -> None:
    first, second = device(1, "Jabra Link 380"), device(2, "Poly Voyager 4320")
    assert guess([first, second], second).headset == second.name
    assert guess([first, second], None).headset == first.name
