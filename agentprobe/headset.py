"""Guessing from device names what is plugged in: headsets, built-in microphones, Bluetooth.

Pure string rules over the names operating systems give audio devices (Windows:
"Headset Microphone (Jabra EVOLVE 20 MS)", "Headset (WH-1000XM4 Hands-Free AG Audio)";
macOS: "MacBook Pro Microphone"; Linux ALSA: "USB Audio Device: - (hw:1,0)"). Virtual
devices that every system has ("default", "pulse", "Microsoft Sound Mapper") are neither.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from agentprobe.audio import Device

HEADSET_WORDS = ("headset", "headphone", "earphone", "earbud", "hands-free", "handsfree")
HEADSET_VENDORS = (
    "jabra", "plantronics", "poly ", "polycom", "sennheiser", "epos", "logitech", "yealink",
    "hyperx", "corsair", "steelseries", "razer", "audio-technica", "shure", "blue yeti",
    "airpods", "bose", "sony wh", "wh-1000", "beats", "buds", "avaya", "cisco", "koss",
    "microsoft lifechat", "mpow", "anker", "openrun", "shokz",
)  # fmt: skip
CONNECTION_WORDS = ("usb", "bluetooth", "bt ", "airpods", "wireless")
BUILTIN_WORDS = (
    "built-in", "builtin", "internal", "microphone array", "mic array", "realtek",
    "macbook", "imac", "laptop", "intel smart sound", "hda intel", "sof-hda", "conexant",
    "integrated", "webcam", "camera",
)  # fmt: skip
BLUETOOTH_WORDS = ("bluetooth", "hands-free", "handsfree", "airpods", "bluez", "wh-1000")
NARROWBAND_WORDS = ("hands-free", "handsfree", "hfp", "headset_head_unit", "hsp", "ag audio")
VIRTUAL = re.compile(
    r"^(default|sysdefault|pulse|pipewire|jack|dmix|dsnoop|null|"
    r"microsoft sound mapper.*|primary sound (capture|driver).*)$",
    re.IGNORECASE,
)


def _has(name: str, words: Sequence[str]) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in words)


def is_virtual(device: Device) -> bool:
    return bool(VIRTUAL.match(device.name.strip()))


def is_builtin(device: Device) -> bool:
    return not is_virtual(device) and _has(device.name, BUILTIN_WORDS)


def is_bluetooth(device: Device) -> bool:
    return _has(device.name, BLUETOOTH_WORDS)


def is_narrowband(device: Device) -> bool:
    """A Bluetooth headset in hands-free (HFP/HSP) mode: 8 or 16 kHz, telephone quality."""
    if _has(device.name, NARROWBAND_WORDS):
        return True
    return is_bluetooth(device) and device.is_input and device.default_samplerate <= 16000


def is_headset(device: Device, devices: Sequence[Device] = ()) -> bool:
    """A headset by name, by vendor, or a USB/Bluetooth device that is both input and output."""
    if is_virtual(device) or is_builtin(device):
        return False
    if _has(device.name, HEADSET_WORDS) or _has(device.name, HEADSET_VENDORS):
        return True
    both = device.is_input and device.is_output
    twin = any(
        other.name == device.name and other.is_output and other.index != device.index
        for other in devices
    )
    return _has(device.name, CONNECTION_WORDS) and (both or twin)


@dataclass(frozen=True)
class HeadsetGuess:
    """The headset (if any) and the facts the audio_devices check warns about."""

    headset: Device | None
    default_input_builtin: bool
    bluetooth_hfp: bool


def guess(devices: Sequence[Device], default_input: Device | None) -> HeadsetGuess:
    """Pick the headset, preferring the default input when it is one."""
    headsets = [d for d in devices if d.is_input and is_headset(d, devices)]
    if default_input is not None and default_input in headsets:
        headset: Device | None = default_input
    else:
        headset = headsets[0] if headsets else None
    builtin = default_input is not None and is_builtin(default_input)
    hfp = any(is_narrowband(d) for d in ([default_input] if default_input else headsets))
    return HeadsetGuess(headset, builtin, hfp)
