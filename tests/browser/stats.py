"""Recorded getStats() dumps in the form the extension sends, and messages around them.

`reduce()` does to a full dump what the extension's page script does before anything
leaves the page: keep the audio RTP stats and what they refer to (codec, transport, the
selected candidate pair, its local candidate), keep only the allowed fields, and replace
the ids (Chrome's codec ids embed SDP fmtp lines) by s0, s1...
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agentprobe.browser.messages import ALLOWED

DATA = Path(__file__).parent / "data"
_REFS = ("codecId", "transportId", "localId", "localCandidateId", "selectedCandidatePairId")
STARTED_MS = 1729360390000.0
AT_MS = 1729360465698.781


def dump(name: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((DATA / name).read_text())
    return data


def reduce(reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_id = {r["id"]: r for r in reports}
    rtp = ("inbound-rtp", "outbound-rtp", "remote-inbound-rtp")
    keep = {r["id"]: r for r in reports if r["type"] in rtp and r.get("kind") == "audio"}
    for step in (("codecId", "transportId"), ("selectedCandidatePairId",), ("localCandidateId",)):
        for report in list(keep.values()):
            for key in step:
                if report.get(key) in by_id:
                    keep[report[key]] = by_id[report[key]]
    alias: dict[str, str] = {}

    def name(identifier: str) -> str:
        return alias.setdefault(identifier, f"s{len(alias)}")

    out = []
    for report in keep.values():
        fields = ALLOWED[report["type"]]
        item = {"type": report["type"], "id": name(report["id"])}
        for key in fields:
            if key in _REFS and report.get(key) in by_id:
                item[key] = name(report[key])
            elif key in report and key not in _REFS:
                item[key] = report[key]
        out.append(item)
    return out


def call(reports: list[dict[str, Any]], **changes: Any) -> dict[str, Any]:
    """A `call` message as the service worker sends it."""
    message = {
        "type": "call",
        "call_id": "0f8e2c1a-5b7d-4e3f-9a6b-1c2d3e4f5a6b",
        "origin": "https://ccp.example.my.connect.aws",
        "state": "closed",
        "started_at": STARTED_MS,
        "at": AT_MS,
        "reports": reports,
    }
    message.update(changes)
    return message
