"""`agentprobe tray`: a status icon for the person at the PC (the `tray` extra).

The icon's colour is the overall status of the daemon's last results (green pass, amber
warn, red fail or error, grey when unknown or the daemon is not running). The menu has
one line per check, "Run checks now" (asks the daemon through a request file),
"Show what is sent" (the latest report exactly as uploaded) and "Quit". The tray only
reads the daemon's state files: it never runs checks itself.

pystray draws the icon on Windows, macOS and AppIndicator/GTK desktops. Where pystray
would fall back to its X11 backend (no menu, and updates from two threads that can
deadlock), `xembed.XembedIcon` is used instead: one thread, and a click pops up the same
menu (`xmenu.PopupMenu`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from agentprobe.agent import state
from agentprobe.agent.status import gather
from agentprobe.agent.tray.calm import Calm
from agentprobe.agent.tray.words import message
from agentprobe.config.sections import Config
from agentprobe.report import Status, worst

COLOURS = {
    "green": (46, 160, 67),
    "amber": (255, 176, 0),
    "red": (211, 47, 47),
    "grey": (128, 128, 128),
}
_BY_STATUS = {"pass": "green", "warn": "amber", "fail": "red", "error": "red"}
REFRESH_S = 2.0
SHOWN_FILE = "last-sent.pretty.json"
NAME = "agentprobe"


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
    said = str(summary.get("message") or "")
    if said:  # what is wrong, then the one thing to do, each on its own line
        wrong, _, action = said.partition(": ")
        lines[:0] = [wrong, f"> {action[:1].upper()}{action[1:]}"] if action else [said]
    if not summary["daemon"]["running"]:
        lines.insert(0, "agentprobe is not running")
    return lines or ["no results yet"]


def title_of(summary: dict[str, Any]) -> str:
    said = summary.get("message")
    return f"{NAME}: {said}" if said else f"{NAME}: {summary['overall']}"


def calmed(summary: dict[str, Any], calm: Calm) -> dict[str, Any]:
    """The summary as the tray shows it: blips passed over, the plain-words message added."""
    calm.feed(summary["checks"])
    checks = calm.shown(summary["checks"])
    statuses = [Status(entry["status"]) for entry in checks.values() if "status" in entry]
    overall = worst(statuses).value if statuses else summary["overall"]
    return {**summary, "checks": checks, "overall": overall, "message": message(checks)}


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


class TrayState:
    """What the icon shows, re-read from the daemon's status files on each `refresh`."""

    def __init__(self, config: Config) -> None:
        self.config, self.calm = config, Calm()
        self.summary = calmed(gather(config, probe=False), self.calm)
        self.colour = colour_of(self.summary)

    def refresh(self) -> bool:
        """Re-read the status; True when the colour changed."""
        self.summary = calmed(gather(self.config, probe=False), self.calm)
        colour, self.colour = self.colour, colour_of(self.summary)
        return colour != self.colour

    def run_now(self) -> None:
        state.request_run(self.config.data_dir)

    def show_sent(self) -> None:
        path = show_sent(self.config.data_dir)
        if path is not None:
            click.launch(str(path))


MenuEntry = tuple[str, Callable[[], None] | None]  # an empty label is a separator


def menu_entries(tray: TrayState, quit: Callable[[], None]) -> list[MenuEntry]:
    """The menu, for either front end: greyed check lines, then the actions."""
    lines: list[MenuEntry] = [(line, None) for line in menu_lines(tray.summary)]
    return [
        *lines,
        ("", None),
        ("Run checks now", tray.run_now),
        ("Show what is sent", tray.show_sent),
        ("Quit", quit),
    ]


class PystrayTray:
    """Keeps a pystray icon in step with the daemon's status files."""

    def __init__(self, tray: TrayState, pystray: Any) -> None:
        self.tray, self.pystray = tray, pystray
        self.stopped = threading.Event()
        self.icon = pystray.Icon(NAME, icon_image(tray.colour), NAME, menu=self._menu())

    def run(self) -> None:
        self.icon.run(setup=self._setup)

    def _setup(self, icon: Any) -> None:
        icon.visible = True
        threading.Thread(target=self._refresh_loop, daemon=True).start()

    def _refresh_loop(self) -> None:
        while not self.stopped.wait(REFRESH_S):
            if self.tray.refresh():
                self.icon.icon = icon_image(self.tray.colour)
            self.icon.title = title_of(self.tray.summary)
            self.icon.menu = self._menu()
            self.icon.update_menu()

    def _menu(self) -> Any:
        item, menu = self.pystray.MenuItem, self.pystray.Menu
        return menu(
            *(
                item(label, action, enabled=action is not None) if label else menu.SEPARATOR
                for label, action in menu_entries(self.tray, self.quit)
            )
        )

    def quit(self) -> None:
        self.stopped.set()
        self.icon.stop()


def run_xembed(tray: TrayState) -> None:
    """The X11 icon: repaint on colour changes; a click pops up the same menu as pystray's."""
    from agentprobe.agent.tray.xembed import XembedIcon
    from agentprobe.agent.tray.xmenu import MenuItem

    icon = XembedIcon(NAME, icon_image(tray.colour), title_of(tray.summary))

    def tick() -> None:
        if tray.refresh():
            icon.set_image(icon_image(tray.colour))
        icon.set_title(title_of(tray.summary))

    def menu() -> list[MenuItem]:
        return [MenuItem(label, action) for label, action in menu_entries(tray, icon.stop)]

    icon.run(tick, menu, period=REFRESH_S)


def show(config: Config) -> None:
    """Run the tray icon until "Quit" (or the session ends).

    Raises ImportError when the `tray` extra (pystray, Pillow) is missing.
    """
    try:
        import pystray
    except ImportError:
        raise
    except Exception as error:  # pystray's X11 backend connects to the display on import
        raise click.ClickException(f"no desktop to show the icon on ({error})") from None

    tray = TrayState(config)
    if pystray.Icon.__module__.endswith("._xorg"):
        run_xembed(tray)
    else:
        PystrayTray(tray, pystray).run()
