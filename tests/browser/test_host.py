"""The native host: every message answered, bad ones refused, good calls spooled, never dies.

In-process tests drive `NativeHost` over byte streams; one test runs the real
`python -m agentprobe native-host` process as Chrome would (the caller's origin as its
argument, frames on stdin) and checks it lives through hostile input.
"""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agentprobe.browser import framing
from agentprobe.browser.host import NativeHost
from agentprobe.calls.spool import CallSpool
from tests.browser.stats import call, dump, reduce

REPORTS = reduce(dump("antmedia-play.json") + dump("exporter-send.json"))
HOSTILE = [
    struct.pack("=I", framing.MAX_MESSAGE_BYTES + 5) + b" " * (framing.MAX_MESSAGE_BYTES + 5),
    b"\x02\x00\x00\x00{]",
    b"\x04\x00\x00\x00\xff\xfe\xfd\xfc",
    framing.encode([1, 2, 3]),
    framing.encode({"type": "call"}),
    framing.encode(call(REPORTS, origin="https://evil.example/agent?id=7")),
    framing.encode(call([{"type": "inbound-rtp", "id": "s0", "audioLevel": 0.9}])),
    framing.encode(call(REPORTS, call_id="../../../../tmp/x")),
]


def frames(*messages: Any) -> bytes:
    return b"".join(framing.encode(m) for m in messages)


def replies(data: bytes) -> list[dict[str, Any]]:
    stream, out = io.BytesIO(data), []
    while (body := framing.read_frame(stream)) is not None:
        out.append(json.loads(body))
    return out


def serve(data: bytes, tmp_path: Path) -> tuple[int, list[dict[str, Any]], NativeHost]:
    output = io.BytesIO()
    spool = CallSpool(tmp_path / "calls")
    host = NativeHost(io.BytesIO(data), output, spool, lambda origin: "feedfacecafebeef")
    code = host.run()
    return code, replies(output.getvalue()), host


def test_a_closed_call_is_spooled_and_a_live_one_only_remembered(tmp_path: Path) -> None:
    live = call(REPORTS, state="live", call_id="live-call-00000001")
    data = frames({"type": "hello", "extension_version": "0.1.0"}, live, call(REPORTS))
    code, answers, host = serve(data, tmp_path)
    assert code == 0
    assert answers[0] == {"ok": True, "host": "agentprobe", "version": "0.1.0"}
    assert answers[1] == {"ok": True, "live": 1}
    assert answers[2] == {"ok": True, "stored": "browser-0f8e2c1a-5b7d-4e3f-9a6b-1c2d3e4f5a6b"}
    # the live call was written when the stream ended, as it last stood
    assert sorted(host.stored) == ["browser-0f8e2c1a-5b7d-4e3f-9a6b-1c2d3e4f5a6b",
                                   "browser-live-call-00000001"]  # fmt: skip
    records = {p.stem: json.loads(p.read_text()) for p in (tmp_path / "calls").glob("*.json")}
    assert records["browser-live-call-00000001"]["metrics"]["call_state"] == "live"
    closed = records["browser-0f8e2c1a-5b7d-4e3f-9a6b-1c2d3e4f5a6b"]
    assert closed["remote"] == "feedfacecafebeef" and closed["source"] == "browser"
    assert closed["metrics"]["rx_packets"] == 3764 and closed["metrics"]["tx_packets"] == 248


def test_hostile_input_is_refused_one_by_one_and_nothing_is_stored(tmp_path: Path) -> None:
    code, answers, host = serve(b"".join(HOSTILE) + frames(call([])), tmp_path)
    assert code == 0
    assert [a["ok"] for a in answers] == [False] * len(HOSTILE) + [True]
    assert "over the 1048576-byte limit" in answers[0]["error"]
    assert "not JSON" in answers[1]["error"] and "not UTF-8" in answers[2]["error"]
    assert "https origin" in answers[5]["error"] and "audioLevel" in answers[6]["error"]
    assert answers[-1] == {"ok": True, "stored": None, "reason": "no media was sent or received"}
    assert not (tmp_path / "calls").exists() and host.stored == []


def test_a_torn_stream_ends_the_host_with_the_live_calls_saved(tmp_path: Path) -> None:
    data = frames(call(REPORTS, state="live")) + framing.encode({"type": "hello"})[:-3]
    code, answers, host = serve(data, tmp_path)
    assert code == 1
    assert answers[0]["ok"] and "stream ended" in answers[1]["error"]
    assert host.stored == ["browser-0f8e2c1a-5b7d-4e3f-9a6b-1c2d3e4f5a6b"]


def test_live_calls_are_bounded(tmp_path: Path) -> None:
    many = [call(REPORTS, state="live", call_id=f"live-call-{n:08d}") for n in range(33)]
    _, answers, _ = serve(frames(*many), tmp_path)
    assert answers[-1] == {"ok": False, "error": "more than 32 live calls"}


@pytest.mark.integration
def test_the_real_host_process_survives_hostile_input(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[agent]\ndata_dir = "{tmp_path / "data"}"\n')
    env = {**os.environ, "AGENTPROBE_CONFIG": str(config), "HOME": str(tmp_path)}
    data = b"".join(HOSTILE) + frames(call(REPORTS))
    done = subprocess.run(
        [sys.executable, "-m", "agentprobe", "native-host", "chrome-extension://abc/"],
        input=data, capture_output=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    answers = replies(done.stdout)
    assert [a["ok"] for a in answers] == [False] * len(HOSTILE) + [True]
    stored = list((tmp_path / "data" / "calls").glob("*.json"))
    assert [p.name for p in stored] == ["browser-0f8e2c1a-5b7d-4e3f-9a6b-1c2d3e4f5a6b.json"]
    written = stored[0].read_text() + done.stderr.decode()
    for secret in ("evil.example", "/agent", "audioLevel", "192.168.", "Traceback"):
        assert secret not in written
    assert "ccp.example.my.connect.aws" not in done.stderr.decode()  # never in the log
