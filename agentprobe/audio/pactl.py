"""Parsing what `pactl` prints: the Linux sound server's own devices, in pure code.

On Linux desktops PortAudio sees only "pulse" and "default"; the sound server
(PulseAudio, or PipeWire's pulse server) knows the real devices. `pactl --format=json
list sources|sinks` (pactl 16 and later) and the plain `pactl list sources|sinks` text
(older pactl, read with LC_ALL=C) carry the same facts; `pactl info` names the server
and the defaults. Only the properties below are kept: the server's node names, card
names, Bluetooth addresses and serial numbers locate or identify hardware and are
dropped here (the privacy rules in docs/architecture.md), except `card` and `name`,
which are used only to pair devices and are never reported.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

KEPT = (
    "device.description",
    "device.class",
    "device.bus",
    "device.form_factor",
    "device.vendor.name",
    "device.product.name",
    "device.profile.name",
    "device.name",  # the card, only to pair a card's source with its sink
    "api.bluez5.profile",  # PipeWire: headset-head-unit, a2dp-sink, ...
    "api.bluez5.codec",  # PipeWire: cvsd, msbc, sbc, aac, ...
    "bluetooth.protocol",  # PulseAudio: headset_head_unit, a2dp_sink, ...
    "bluetooth.codec",
)


@dataclass(frozen=True)
class ServerDevice:
    """One source (input) or sink (output) as the sound server describes it."""

    kind: str  # "source" or "sink"
    name: str  # the server's node name: may hold a serial or address, never reported
    description: str
    rate: int  # Hz, from the sample specification
    active_port: str  # "" when the device has no ports
    properties: dict[str, str]

    def prop(self, key: str) -> str:
        return self.properties.get(key, "")

    @property
    def is_monitor(self) -> bool:
        """A sink's monitor (what the speakers play), never a microphone. PipeWire's pulse
        server copies the sink's own `device.class` ("sound") onto its monitor, so the
        ".monitor" suffix both servers give the name is what tells."""
        return self.prop("device.class") == "monitor" or self.name.endswith(".monitor")

    @property
    def bus(self) -> str:
        return self.prop("device.bus")

    @property
    def form_factor(self) -> str:
        return self.prop("device.form_factor")

    @property
    def card(self) -> str:
        return self.prop("device.name")

    @property
    def profile(self) -> str:
        """The Bluetooth profile or card profile, whichever the server names."""
        for key in ("api.bluez5.profile", "bluetooth.protocol", "device.profile.name"):
            if self.prop(key):
                return self.prop(key)
        return ""

    @property
    def codec(self) -> str:
        return self.prop("api.bluez5.codec") or self.prop("bluetooth.codec")


@dataclass(frozen=True)
class ServerInfo:
    """`pactl info`: which server, and the default source and sink (node names)."""

    server: str
    default_source: str
    default_sink: str


def _rate(sample_spec: str) -> int:
    found = re.search(r"(\d+)\s*Hz", sample_spec)
    return int(found.group(1)) if found else 0


def _device(
    kind: str, name: str, description: str, spec: str, port: str, props: Any
) -> ServerDevice:
    properties = {key: str(props[key]) for key in KEPT if isinstance(props, dict) and key in props}
    description = description or properties.get("device.description", "") or name
    return ServerDevice(kind, name, description, _rate(spec), port or "", properties)


def parse_json_list(text: str, kind: str) -> list[ServerDevice]:
    """`pactl --format=json list sources|sinks`; ValueError when it is not that JSON."""
    items = json.loads(text)
    if not isinstance(items, list):
        raise ValueError("expected a JSON list of devices")
    return [
        _device(
            kind,
            str(item.get("name", "")),
            str(item.get("description", "")),
            str(item.get("sample_specification", "")),
            str(item.get("active_port") or ""),
            item.get("properties", {}),
        )
        for item in items
        if isinstance(item, dict)
    ]


HEADER = re.compile(r"^\S.*#\s*\d+\s*$")  # "Source #0", or translated: "Fonte #0"
FIELD = re.compile(r"^(?:\t| {2,8})([^\s:=][^:=]*?): ?(.*)$")  # a tab, or pasted spaces
PROPERTY = re.compile(r'^\s+([\w.\-]+) = "(.*)"\s*$')
# pactl prints State, Name, Description, Driver, Sample Specification first, in this
# order in every language; the place stands in for a translated label.
PLACES = {"Name": 1, "Description": 2, "Sample Specification": 4}


def parse_text_list(text: str, kind: str) -> list[ServerDevice]:
    """`pactl list sources|sinks` in the C locale: blocks of fields, then properties."""
    blocks: list[tuple[dict[str, str], dict[str, str]]] = []
    places: list[list[str]] = []
    for line in text.splitlines():
        if HEADER.match(line):
            blocks.append(({}, {}))
            places.append([])
        elif blocks and (prop := PROPERTY.match(line)):
            blocks[-1][1][prop.group(1)] = prop.group(2).replace('\\"', '"')
        elif blocks and (field := FIELD.match(line)):
            blocks[-1][0].setdefault(field.group(1), field.group(2).strip())
            places[-1].append(field.group(2).strip())
    for (fields, _), values in zip(blocks, places, strict=True):
        for label, place in PLACES.items():
            if label not in fields and len(values) > place:
                fields[label] = values[place]
    return [
        _device(
            kind,
            fields.get("Name", ""),
            fields.get("Description", ""),
            fields.get("Sample Specification", ""),
            fields.get("Active Port", ""),
            props,
        )
        for fields, props in blocks
    ]


def parse_info(text: str) -> ServerInfo:
    """`pactl info` (text, C locale) or `pactl --format=json info`."""
    if text.lstrip().startswith("{"):
        data = json.loads(text)
        name, version = data.get("server_name", ""), data.get("server_version", "")
        source, sink = data.get("default_source_name", ""), data.get("default_sink_name", "")
    else:
        fields = dict(
            (key.strip(), value.strip())
            for key, _, value in (line.partition(":") for line in text.splitlines())
        )
        name, version = fields.get("Server Name", ""), fields.get("Server Version", "")
        source, sink = fields.get("Default Source", ""), fields.get("Default Sink", "")
    return ServerInfo(f"{name} {version}".strip(), str(source), str(sink))
