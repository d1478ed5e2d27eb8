"""`agentprobe tray`: a status icon for the person at the PC (pystray, the `tray` extra).

The icon's colour is the overall status of the daemon's last results (green pass, amber
warn, red fail or error, grey when unknown or the daemon is not running). The menu has
one line per check, "Run checks now" (asks the daemon through a request file),
"Show what is sent" (the latest report exactly as uploaded) and "Quit". The tray only
reads the daemon's state files: it never runs checks itself.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import click

from agentprobe.agent import state
from agentprobe.agent.status import gather
from agentprobe.config import Config

COLOURS = {
    "green": (46, 160, 67),
    "amber": (255, 176, 0),
    "red": (211, 47, 47),
    "grey": (128, 128, 128),
}
_BY_STATUS = {"pass": "green", "warn": "amber", "fail": "red", "error": "red"}
REFRESH_S = 2.0
SHOWN_FILE = "last-sent.pretty.json"


def colour_of(summary: dict[str, Any]) -> str:
    """The icon colour for a `status` summary: grey unless the daemon runs and has results."""
    if not summary["daemon"]["running"]:
        return "grey"
    return _BY_STATUS.get(summary["overall"], "grey")


def menu_lines(summary: dict[str, Any]) -> list[str]:
    """One line per check: name, status and summary, as shown in the menu."""
    lines = [
        f"{name}: {entry.get('status', '?')} - {entry.get('summary', '')}"[:90]
        for name, entry in summary["checks"].items()
    ]
    if not summary["daemon"]["running"]:
        lines.insert(0, "agentprobe is not running")
    return lines or ["no results yet"]


def icon_image(colour: str, size: int = 64) -> Any:
    """A filled circle of the status colour on a transparent square."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((2, 2, size - 3, size - 3), fill=(*COLOURS[colour], 255))
    return image


def show_sent(data_dir: Path) -> Path | None:
    """Write the latest uploaded report, indented, next to the state files; return its path."""
    report = state.read_last_sent(data_dir)
    if report is None:
        return None
    path = data_dir / SHOWN_FILE
    state.write_json(path, report)
    return path


class Tray:
    """Keeps a pystray icon in step with the daemon's status files."""

    def __init__(self, config: Config) -> None:
        import pystray

        self.config, self.pystray = config, pystray
        self.stopped = threading.Event()
        self.colour = "grey"
        self.summary = gather(config, probe=False)
        self.icon = pystray.Icon(
            "agentprobe", icon_image(self.colour), "agentprobe", menu=self._menu()
        )

    def run(self) -> None:
        self.icon.run(setup=self._setup)

    def _setup(self, icon: Any) -> None:
        icon.visible = True
        threading.Thread(target=self._refresh_loop, daemon=True).start()

    def _refresh_loop(self) -> None:
        while True:
            self.refresh()
            if self.stopped.wait(REFRESH_S):
                return

    def refresh(self) -> None:
        self.summary = gather(self.config, probe=False)
        colour = colour_of(self.summary)
        if colour != self.colour:
            self.colour = colour
            self.icon.icon = icon_image(colour)
        self.icon.title = f"agentprobe: {self.summary['overall']}"
        self.icon.menu = self._menu()
        self.icon.update_menu()

    def _menu(self) -> Any:
        item, menu = self.pystray.MenuItem, self.pystray.Menu
        lines = [item(line, None, enabled=False) for line in menu_lines(self.summary)]
        return menu(
            *lines,
            menu.SEPARATOR,
            item("Run checks now", self.run_now),
            item("Show what is sent", self.show_sent),
            item("Quit", self.quit),
        )

    def run_now(self) -> None:
        state.request_run(self.config.data_dir)

    def show_sent(self) -> None:
        path = show_sent(self.config.data_dir)
        if path is not None:
            click.launch(str(path))

    def quit(self) -> None:
        self.stopped.set()
        self.icon.stop()


def show(config: Config) -> None:
    """Run the tray icon until "Quit" (or the session ends)."""
    Tray(config).run()
