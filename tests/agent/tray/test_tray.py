"""The tray icon under a real X server (Xvfb) with a real tray host, fed by a real daemon.

The daemon runs the system check with a threshold no disk can meet, so the status is
`fail` and the icon must turn red; "Run checks now" from the icon's popup menu makes the
daemon run again long before the check's interval; when the daemon stops, the icon turns
grey; "Quit" ends the tray. Colours are read back from screenshots of the X screen, the
clicks are real X pointer events.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from agentprobe.agent.tray.icon import COLOURS
from agentprobe.agent.tray.xmenu import PAPER, ROW_HEIGHT
from tests.rigs.collector import agentprobe_command
from tests.rigs.daemon import start_daemon, wait_for, write_config

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]
SLOT_CENTRE = 32  # the test tray host docks the first icon in a 64x64 slot at 0,0
MENU_WINDOW = re.compile(r'"agentprobe menu".*?(\d+)x(\d+)\+-?\d+\+-?\d+\s+\+(-?\d+)\+(-?\d+)')
NEEDED = ("Xvfb", "import", "xdotool")


@pytest.fixture
def xdisplay() -> Iterator[str]:
    missing = [tool for tool in NEEDED if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (Debian xvfb, imagemagick, xdotool)")
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "640x400x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    try:
        assert number.isdigit(), "Xvfb did not report a display number"
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(10)


def screenshot(display: str, path: Path) -> Image.Image:
    subprocess.run(
        ["import", "-display", display, "-window", "root", str(path)], check=True, timeout=30
    )
    return Image.open(path).convert("RGB")


def tray_env(display: str) -> dict[str, str]:
    """pystray would pick its X11 backend here, so agentprobe docks its own icon."""
    return {**os.environ, "DISPLAY": display, "PYSTRAY_BACKEND": "xorg"}


def start_host(env: dict[str, str], *options: str) -> subprocess.Popen[bytes]:
    host = subprocess.Popen(
        [sys.executable, "-m", "tests.rigs.tray_host", *options],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
    )
    assert host.stdout is not None and host.stdout.readline().strip() == b"ready"
    return host


def stop_host(host: subprocess.Popen[bytes]) -> None:
    host.terminate()
    host.wait(10)
    if host.stdout is not None:
        host.stdout.close()


def click(display: str, x: int, y: int) -> None:
    subprocess.run(
        ["xdotool", "mousemove", str(x), str(y), "click", "1"],
        env={**os.environ, "DISPLAY": display},
        check=True,
        timeout=30,
    )


def menu_geometry(display: str) -> tuple[int, int, int, int] | None:
    """x, y, width, height of the open popup menu, from the X window tree."""
    tree = subprocess.run(
        ["xwininfo", "-display", display, "-root", "-tree"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    found = MENU_WINDOW.search(tree)
    if found is None:
        return None
    width, height, x, y = map(int, found.groups())
    return x, y, width, height


def choose(display: str, label: str, tmp_path: Path) -> None:
    """Click the icon, see the menu drawn, click the row labelled `label`."""
    click(display, x=SLOT_CENTRE, y=SLOT_CENTRE)
    geometry = wait_for(lambda: menu_geometry(display), 30, "the popup menu", lambda: "")
    x, y, width, height = geometry
    menu = screenshot(display, tmp_path / "menu.png").crop((x, y, x + width, y + height))
    assert count_colour(menu, PAPER) > width * height // 2, "the menu is not drawn"
    row_from_bottom = {"Quit": 1, "Show what is sent": 2, "Run checks now": 3}[label]
    click(display, x=x + width // 2, y=y + height - ROW_HEIGHT * row_from_bottom + ROW_HEIGHT // 2)
    wait_for(lambda: menu_geometry(display) is None, 30, "the menu to close", lambda: "")


def count_colour(image: Image.Image, colour: tuple[int, int, int]) -> int:
    """Pixels within 8 levels of `colour` in every channel."""
    pixels = np.asarray(image, dtype=np.int16)
    return int(np.all(np.abs(pixels - np.array(colour)) <= 8, axis=-1).sum())


def test_tray_icon_shows_the_daemon_status_colour(tmp_path: Path, xdisplay: str) -> None:
    env = tray_env(xdisplay)
    host = start_host(env)
    data_dir = tmp_path / "data"
    impossible = {"interval": 3600, "cpu_sample": 1, "thresholds": {"disk_free_pct": [101, 100]}}
    config = write_config(tmp_path / "agent.toml", data_dir, enabled={"system": impossible})
    daemon = start_daemon(config, data_dir)
    with (tmp_path / "tray.log").open("wb") as tray_log:
        tray = subprocess.Popen(
            [*agentprobe_command(), "tray", "--config", str(config)], env=env, stderr=tray_log
        )
    red, grey = COLOURS["red"], COLOURS["grey"]
    try:
        wait_for(lambda: daemon.status().get("checks"), 30, "a result", daemon.tail)
        assert daemon.status()["checks"]["system"]["status"] == "fail"
        wait_for(
            lambda: count_colour(screenshot(xdisplay, tmp_path / "red.png"), red) > 500,
            30,
            "a red icon on screen",
            lambda: (tmp_path / "tray.log").read_text(),
        )
        first_run = daemon.status()["checks"]["system"]["at"]
        choose(xdisplay, "Run checks now", tmp_path)
        wait_for(
            lambda: daemon.status()["checks"]["system"]["at"] != first_run,
            30,
            "a run requested by clicking the icon",
            daemon.tail,
        )
        assert daemon.stop() == 0
        wait_for(
            lambda: count_colour(screenshot(xdisplay, tmp_path / "grey.png"), grey) > 500,
            30,
            "the icon to turn grey when the daemon stops",
            lambda: (tmp_path / "tray.log").read_text(),
        )
        assert count_colour(Image.open(tmp_path / "grey.png").convert("RGB"), red) == 0
        choose(xdisplay, "Quit", tmp_path)
        assert tray.wait(30) == 0
    finally:
        daemon.stop()
        tray.terminate()
        tray.wait(10)
        stop_host(host)


@pytest.mark.parametrize("host_options", [(), ("--no-save-set",)], ids=["save-set", "careless"])
def test_icon_docks_when_a_panel_starts_after_it_and_again_after_a_restart(
    tmp_path: Path, xdisplay: str, host_options: tuple[str, ...]
) -> None:
    """Login order is not guaranteed: the tray may start before the panel, and panels restart.

    A careless panel (no save-set) destroys the icon window when it dies; the icon then
    makes a new window and docks that.
    """
    config = write_config(tmp_path / "agent.toml", tmp_path / "data")
    with (tmp_path / "tray.log").open("wb") as tray_log:
        tray = subprocess.Popen(
            [*agentprobe_command(), "tray", "--config", str(config)],
            env=tray_env(xdisplay),
            stderr=tray_log,
        )
    grey = COLOURS["grey"]
    try:
        for attempt in ("first", "restarted"):
            host = start_host(tray_env(xdisplay), *host_options)
            try:
                wait_for(
                    lambda: count_colour(screenshot(xdisplay, tmp_path / "icon.png"), grey) > 500,
                    30,
                    f"the icon docked in the {attempt} panel",
                    lambda: (tmp_path / "tray.log").read_text(),
                )
            finally:
                stop_host(host)
            assert tray.poll() is None, (tmp_path / "tray.log").read_text()
    finally:
        tray.terminate()
        tray.wait(10)


def test_tray_without_a_display_says_so_and_exits_3(tmp_path: Path) -> None:
    config = write_config(tmp_path / "agent.toml", tmp_path / "data")
    env = {key: value for key, value in os.environ.items() if key != "DISPLAY"}
    env["PYSTRAY_BACKEND"] = "xorg"
    result = subprocess.run(
        [*agentprobe_command(), "tray", "--config", str(config)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 3
    assert "no desktop to show the icon on" in result.stderr
    assert "Traceback" not in result.stderr
