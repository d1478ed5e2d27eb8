"""Recording streams on the Linux sound server: who is capturing, from what, in any language.

`pactl list source-outputs` is translated by gettext: headers ("Sorgente d'uscita #4"),
labels and the yes/no values ("Corked: áno") follow the user's locale, while property
lines (`application.name = "..."`) never do. The agent runs pactl in the C locale, but the
text parser does not rely on it: a block starts at any unindented line ending in `#N`,
fields are read by label when the label is English and otherwise by their fixed place in
pactl's output, and "yes" is recognised in the common desktop languages. pactl 16 and
later also print JSON (`--format=json`), which has no translated parts at all.

A stream that records a sink's monitor (PulseAudio and PipeWire name monitors
"<sink>.monitor"; PipeWire marks its own captures of a sink `stream.capture.sink`) is a
program capturing the speakers, e.g. a screen recorder, not a microphone in use.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

HEADER = re.compile(r"^\S.*#\s*\d+\s*$")
PROPERTY = re.compile(r'^\s+([\w.\-]+) = "(.*)"\s*$')
FIELD = re.compile(r"^\s+([^\s:=][^:=]*?)\s*:\s?(.*)$")
# pactl prints Driver, Owner Module, Client, Source, Sample Specification, Channel Map,
# Format, Corked, Mute, ... in this order in every language (pactl.c, source output info).
SOURCE_PLACE, CORKED_PLACE = 3, 7
YES = {
    "yes", "ja", "oui", "sí", "si", "sì", "sim", "áno", "ano", "tak", "да", "так", "igen",
    "kyllä", "evet", "ναι", "da", "jah", "taip", "jā", "bai", "是", "はい", "예", "כן",
    "نعم", "ใช่", "có", "ya",
}  # fmt: skip
TARGET_KEYS = ("target.object", "node.target", "stream.capture.source")


@dataclass(frozen=True)
class Stream:
    """One recording stream: the source index it reads, whether paused, its properties."""

    source: str
    corked: bool
    properties: dict[str, str] = field(default_factory=dict)


def parse_text(text: str) -> list[Stream]:
    """`pactl list source-outputs` in any language (tabs or pasted spaces alike)."""
    blocks: list[tuple[list[tuple[str, str]], dict[str, str]]] = []
    for line in text.splitlines():
        if HEADER.match(line):
            blocks.append(([], {}))
        elif blocks and (prop := PROPERTY.match(line)):
            blocks[-1][1][prop.group(1)] = prop.group(2).replace('\\"', '"')
        elif blocks and (found := FIELD.match(line)):
            blocks[-1][0].append((found.group(1), found.group(2).strip()))
    return [_stream(fields, props) for fields, props in blocks]


def _stream(fields: list[tuple[str, str]], props: dict[str, str]) -> Stream:
    source = _field(fields, "Source", SOURCE_PLACE)
    corked = _field(fields, "Corked", CORKED_PLACE)
    return Stream(source, corked.lower() in YES, props)


def _field(fields: list[tuple[str, str]], label: str, place: int) -> str:
    for name, value in fields:
        if name == label:
            return value
    return fields[place][1] if len(fields) > place else ""


def parse_json(text: str) -> list[Stream]:
    """`pactl --format=json list source-outputs`; ValueError when it is not that JSON."""
    items = json.loads(text)
    if not isinstance(items, list):
        raise ValueError("expected a JSON list of source outputs")
    return [
        Stream(
            str(item.get("source", "")),
            item.get("corked") is True,
            {str(k): str(v) for k, v in (item.get("properties") or {}).items()},
        )
        for item in items
        if isinstance(item, dict)
    ]


def monitor_indices(short_sources: str) -> set[str]:
    """Indices of monitor sources in `pactl list short sources` (index, name, ...)."""
    monitors = set()
    for line in short_sources.splitlines():
        fields = line.split()
        if len(fields) >= 2 and fields[0].isdigit() and fields[1].endswith(".monitor"):
            monitors.add(fields[0])
    return monitors


def captures_speakers(stream: Stream, monitors: Collection[str]) -> bool:
    """True when the stream records a sink (its monitor), not a microphone."""
    props = stream.properties
    if props.get("stream.capture.sink") == "true" or stream.source in monitors:
        return True
    return any(props.get(key, "").endswith(".monitor") for key in TARGET_KEYS)


def recording_apps(
    streams: Iterable[Stream], exclude_pids: Collection[int], monitors: Collection[str] = ()
) -> list[str]:
    """Programs recording a microphone: not paused, not ours, not capturing the speakers."""
    apps = []
    for stream in streams:
        props = stream.properties
        pid = props.get("application.process.id", "")
        if stream.corked or captures_speakers(stream, monitors):
            continue
        if pid.isdigit() and int(pid) in exclude_pids:
            continue
        apps.append(props.get("application.name") or props.get("application.process.binary", "?"))
    return apps
