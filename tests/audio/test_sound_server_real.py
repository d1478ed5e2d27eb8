"""Headset detection through a real sound server: pactl against a private PulseAudio.

PortAudio sees only "pulse" and "default" there, so what `agentprobe devices` and the
audio_devices check report about the headset comes from the server's own list. The rig
adds two card-like devices whose properties mimic a USB headset and a laptop's built-in
audio, exactly as PulseAudio's udev detection would set them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.rigs.pulse import PulseRig, missing_tools, start_pulse

pytestmark = pytest.mark.integration
if missing_tools():
    pytest.skip(f"PulseAudio tools missing: {missing_tools()}", allow_module_level=True)

AGENTPROBE = [sys.executable, "-c", "from agentprobe.cli import main; main()"]
HEADSET = 'device.description="Jabra Evolve2 40" device.bus=usb device.form_factor=headset'
BUILTIN = 'device.description="Built-in Audio" device.bus=pci device.form_factor=internal'


@pytest.fixture()
def rig(tmp_path: Path) -> Iterator[PulseRig]:
    running = start_pulse(tmp_path)
    try:
        running.add_card("headset", HEADSET)
        running.add_card("builtin", BUILTIN)
        running.pactl("set-default-source", "builtin_mic")
        running.pactl("set-default-sink", "builtin_out")
        yield running
    finally:
        running.stop()


def agentprobe(rig: PulseRig, tmp_path: Path, *args: str) -> dict[str, Any]:
    settings = tmp_path / "agentprobe.toml"
    settings.write_text(f'[agent]\nid = "rig"\ndata_dir = "{tmp_path / "data"}"\n')
    done = subprocess.run(
        [*AGENTPROBE, *args, "--json", *(["--config", str(settings)] if "check" in args else [])],
        env=rig.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return dict(json.loads(done.stdout))


def test_the_headset_is_found_and_the_builtin_default_warns(rig: PulseRig, tmp_path: Path) -> None:
    facts = agentprobe(rig, tmp_path, "devices")
    assert {d["name"] for d in facts["devices"]} >= {"pulse", "default"}  # PortAudio's view
    server = facts["sound_server"]
    assert server["server"].startswith("pulseaudio")
    assert server["default_source"] == "Built-in Audio"
    headsets = [d for d in server["sources"] if d["headset"]]
    assert [(d["description"], d["bus"]) for d in headsets] == [("Jabra Evolve2 40", "usb")]
    assert facts["headset"] == "Jabra Evolve2 40" and facts["default_input_builtin"] is True

    report = agentprobe(rig, tmp_path, "check", "--only", "audio_devices")
    (result,) = report["checks"]
    assert result["status"] == "warn"
    assert result["metrics"]["headset_name"] == "Jabra Evolve2 40"
    assert result["metrics"]["headset_connection"] == "usb"
    assert result["metrics"]["default_input"] == "Built-in Audio"
    assert any("make the headset the default input" in tip for tip in result["advice"])

    rig.pactl("set-default-source", "headset_mic")
    rig.pactl("set-default-sink", "headset_out")
    report = agentprobe(rig, tmp_path, "check", "--only", "audio_devices")
    (result,) = report["checks"]
    assert result["status"] == "pass", result["summary"]
    assert result["metrics"]["default_input"] == "Jabra Evolve2 40"
    assert result["metrics"]["default_input_builtin"] is False
    assert "headset_mic" not in json.dumps(report)  # node names are never reported
