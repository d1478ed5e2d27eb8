"""The capture service's word on live calls, and the agent's call signal trusting it."""

from __future__ import annotations

from pathlib import Path

from agentprobe.agent.call_signal import detector
from agentprobe.calls.live import FRESH_S, read_live, write_live


def test_a_fresh_word_is_believed_and_a_stale_one_is_not(tmp_path: Path) -> None:
    assert read_live(tmp_path, 1000.0) is None
    write_live(tmp_path, 2, 1000.0)
    assert read_live(tmp_path, 1000.0 + FRESH_S) is True
    assert read_live(tmp_path, 1000.0 + FRESH_S + 1) is None
    write_live(tmp_path, 0, 2000.0)
    assert read_live(tmp_path, 2001.0) is False
    assert [p.name for p in tmp_path.iterdir()] == ["live.state"]  # no *.json: not a record


def test_the_call_signal_follows_the_media_while_capture_speaks(tmp_path: Path) -> None:
    now = [5000.0]
    signal = detector([], lambda: set(), tmp_path, clock=lambda: now[0])
    write_live(tmp_path, 1, now[0])
    assert signal() is True
    write_live(tmp_path, 0, now[0])
    assert signal() is False  # a microphone in use without media is no call


def test_a_garbled_live_file_is_no_word(tmp_path: Path) -> None:
    (tmp_path / "live.state").write_text('{"live_calls": "many"}')
    assert read_live(tmp_path, 0.0) is None
