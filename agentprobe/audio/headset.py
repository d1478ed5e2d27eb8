"""Guessing what is plugged in: headsets, built-in microphones, Bluetooth hands-free mode.

Two sources of facts, both pure rules. PortAudio device names as operating systems give
them (Windows: "Headset Microphone (Jabra EVOLVE 20 MS)", "Headset (WH-1000XM4
Hands-Free AG Audio)"; macOS: "MacBook Pro Microphone"; Linux ALSA: "USB Audio Device:
- (hw:1,0)"); virtual devices that every system has ("default", "pulse", "Microsoft
Sound Mapper") are neither. And on Linux desktops, where PortAudio sees only "pulse",
the sound server's own list (`agentprobe.audio.sound_server`): bus (usb, bluetooth, pci), form
factor (headset, internal), the active port, and the Bluetooth profile and codec.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from agentprobe.audio.backend import Device
from agentprobe.audio.pactl import ServerDevice
from agentprobe.audio.sound_server import SoundServer

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
HEADSET_FORMS = ("headset", "headphone", "hands-free", "handset", "earbud")
NOT_HEADSET_FORMS = ("internal", "webcam", "speaker", "computer", "tv", "hifi")
NARROWBAND_PROFILES = ("head-unit", "head_unit", "hsp", "hfp", "handsfree", "hands-free")
NARROWBAND_CODECS = ("cvsd", "msbc")
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

    headset: str | None  # its name as the system shows it
    default_input_builtin: bool
    bluetooth_hfp: bool
    connection: str | None = None  # usb, bluetooth, ... when the sound server says


def guess(devices: Sequence[Device], default_input: Device | None) -> HeadsetGuess:
    """Pick the headset, preferring the default input when it is one."""
    headsets = [d for d in devices if d.is_input and is_headset(d, devices)]
    if default_input is not None and default_input in headsets:
        headset: Device | None = default_input
    else:
        headset = headsets[0] if headsets else None
    builtin = default_input is not None and is_builtin(default_input)
    hfp = any(is_narrowband(d) for d in ([default_input] if default_input else headsets))
    return HeadsetGuess(headset.name if headset else None, builtin, hfp)


def server_is_headset(device: ServerDevice, server: SoundServer) -> bool:
    """A headset by form factor, Bluetooth, a headset port, name or vendor, or a USB card
    with both a microphone and a speaker."""
    if device.is_monitor or device.form_factor in NOT_HEADSET_FORMS:
        return False
    if device.form_factor in HEADSET_FORMS or device.bus == "bluetooth":
        return True
    if _has(device.active_port, ("headset", "headphone")):  # plugged into the laptop's jack
        return True
    label = " ".join((device.description, device.prop("device.vendor.name"),
                      device.prop("device.product.name")))  # fmt: skip
    if _has(label, HEADSET_WORDS) or _has(label, HEADSET_VENDORS):
        return True
    others = server.sinks if device.kind == "source" else server.microphones
    return device.bus == "usb" and any(d.card and d.card == device.card for d in others)


def server_is_builtin(device: ServerDevice) -> bool:
    """A laptop or desktop's own microphone (or a webcam's), not one on a headset."""
    if device.is_monitor or _has(device.active_port, ("headset", "headphone")):
        return False
    return (
        device.form_factor in NOT_HEADSET_FORMS
        or device.bus == "pci"
        or _has(device.description, BUILTIN_WORDS)
    )


def server_is_narrowband(device: ServerDevice) -> bool:
    """Bluetooth in the hands-free profile (HFP/HSP): 8 or 16 kHz, telephone quality."""
    if device.bus != "bluetooth":
        return False
    if _has(device.profile, NARROWBAND_PROFILES) or device.codec.lower() in NARROWBAND_CODECS:
        return True
    return device.kind == "source" and 0 < device.rate <= 16000


def guess_server(server: SoundServer) -> HeadsetGuess:
    """The headset from the sound server's list: its microphone, or (a Bluetooth headset
    in music mode has none) its speaker; the default source's nature; hands-free mode."""
    default = server.default_source
    headsets = [d for d in server.microphones if server_is_headset(d, server)]
    headsets += [d for d in server.sinks if server_is_headset(d, server)]
    headset = default if default in headsets else (headsets[0] if headsets else None)
    builtin = default is not None and server_is_builtin(default)
    hfp = any(server_is_narrowband(d) for d in ([default] if default else []) + headsets)
    if headset is None:
        return HeadsetGuess(None, builtin, hfp)
    return HeadsetGuess(headset.description, builtin, hfp, headset.bus or None)
