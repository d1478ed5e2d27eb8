"""Report bodies for the attacks: a valid sample, then edited as raw JSON text."""

from __future__ import annotations

import json
import random
from typing import Any

from agentprobe.collector.samples import sample_report


def report(agent_id: str, seed: int = 1, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(sample_report(agent_id, random.Random(seed)).to_json())
    body.update(changes)
    return body


def text(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode()
