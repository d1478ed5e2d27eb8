"""A status icon for plain X11 panels (freedesktop System Tray Protocol), on one thread.

pystray's X11 backend runs an X event loop in one thread and changes the icon from
others through the same python-xlib connection; python-xlib's `send_and_recv` can then
leave a thread waiting for a reply nobody wakes it for, and the icon stops repainting.
This icon owns its connection from a single thread: the loop waits on the connection's
socket with a timeout and calls `tick` between events, so every X request is made by the
thread that reads the replies.

Clicking the icon pops up `xmenu.PopupMenu`, since such panels give an icon no menu.

Protocol: dock by sending SYSTEM_TRAY_REQUEST_DOCK to the owner of `_NET_SYSTEM_TRAY_S<n>`;
dock again when a new manager announces itself (MANAGER on the root window), forget the
old one when it is destroyed, and make a new window if a panel destroyed ours; paint on
Expose and ConfigureNotify.
"""

from __future__ import annotations

import select
import time
from collections.abc import Callable
from typing import Any

from Xlib import X, Xutil, display
from Xlib.protocol import event

from agentprobe.agent.tray.xmenu import MenuItem, PopupMenu

REQUEST_DOCK = 0
XEMBED_VERSION = 0
XEMBED_MAPPED = 1


class XembedIcon:
    """One tray icon window; call `run` from the thread that created it."""

    def __init__(self, name: str, image: Any, title: str) -> None:
        self.display = display.Display()
        self.root = self.display.screen().root
        self.name, self.image, self.title = name, image, title
        self.selection = self._atom(f"_NET_SYSTEM_TRAY_S{self.display.get_default_screen()}")
        self.opcode = self._atom("_NET_SYSTEM_TRAY_OPCODE")
        self.manager_atom = self._atom("MANAGER")
        self.root.change_attributes(event_mask=X.StructureNotifyMask)  # hear MANAGER
        self.manager: Any = None
        self.stopped = False
        self.popup: PopupMenu | None = None
        self._create_window()

    def _create_window(self) -> None:
        screen = self.display.screen()
        self.window = self.root.create_window(
            -1,
            -1,
            1,
            1,
            0,
            screen.root_depth,
            window_class=X.InputOutput,
            event_mask=X.ExposureMask | X.StructureNotifyMask | X.ButtonPressMask,
        )
        self.window.set_wm_class(f"{self.name}SystemTrayIcon", self.name)
        self.window.set_wm_name(self.title)
        self.window.set_wm_normal_hints(flags=Xutil.PMinSize, min_width=16, min_height=16)
        xembed_info = self._atom("_XEMBED_INFO")
        self.window.change_property(xembed_info, xembed_info, 32, [XEMBED_VERSION, XEMBED_MAPPED])
        self.gc = self.window.create_gc()

    def _atom(self, name: str) -> int:
        return int(self.display.intern_atom(name))

    def dock(self) -> bool:
        """Ask the current tray manager to embed the icon; False when there is none."""
        owner = self.display.get_selection_owner(self.selection)
        if owner == X.NONE:
            self.manager = None
            return False
        self.manager = owner
        owner.change_attributes(event_mask=X.StructureNotifyMask)  # hear it go away
        message = event.ClientMessage(
            window=owner,
            client_type=self.opcode,
            data=(32, [X.CurrentTime, REQUEST_DOCK, self.window.id, 0, 0]),
        )
        owner.send_event(message, event_mask=X.NoEventMask)
        self.display.flush()
        return True

    def set_image(self, image: Any) -> None:
        self.image = image
        self.paint()

    def set_title(self, title: str) -> None:
        if title != self.title:
            self.title = title
            self.window.set_wm_name(title)
            self.display.flush()

    def paint(self) -> None:
        geometry = self.window.get_geometry()
        size = (geometry.width, geometry.height)
        canvas = _opaque(self.image.resize(size))
        self.window.put_pil_image(self.gc, 0, 0, canvas)
        self.display.flush()

    def run(
        self, tick: Callable[[], None], menu: Callable[[], list[MenuItem]], period: float
    ) -> None:
        """Handle X events and call `tick` every `period` seconds until `stop`.

        A left or right click pops up the items `menu` returns at that moment.
        """
        self.dock()
        due = time.monotonic()
        while not self.stopped:
            while self.display.pending_events() and not self.stopped:
                self._handle(self.display.next_event(), menu)
            now = time.monotonic()
            if now >= due:
                tick()
                due = now + period
            select.select([self.display], [], [], max(0.0, due - time.monotonic()))
        self.window.destroy()
        self.display.close()

    def stop(self) -> None:
        self.stopped = True

    def _handle(self, message: Any, menu: Callable[[], list[MenuItem]]) -> None:
        window = getattr(message, "window", None)
        if self.popup is not None and window == self.popup.window:
            if not self.popup.handle(message):
                self.popup = None
        elif message.type in (X.Expose, X.ConfigureNotify) and window == self.window:
            self.paint()
        elif message.type == X.ButtonPress and message.detail in (1, 3):
            self.popup = PopupMenu(self.display, menu(), (message.root_x, message.root_y))
        elif message.type == X.ClientMessage and message.client_type == self.manager_atom:
            if message.data[1][1] == self.selection:
                self.dock()
        elif message.type == X.DestroyNotify and message.window == self.window:
            self._create_window()  # a panel that did not save-set us took the icon with it
            self.dock()
        elif message.type == X.DestroyNotify and message.window == self.manager:
            self.manager = None


def _opaque(image: Any) -> Any:
    """The icon on black: X windows without an ARGB visual have no alpha to blend into."""
    from PIL import Image

    canvas = Image.new("RGB", image.size)
    canvas.paste(image, mask=image.getchannel("A") if image.mode == "RGBA" else None)
    return canvas
