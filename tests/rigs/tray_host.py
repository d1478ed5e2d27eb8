"""A minimal system tray host (the XEMBED side of a desktop panel) for tests under Xvfb.

    python -m tests.rigs.tray_host [--no-save-set]

Owns the `_NET_SYSTEM_TRAY_S0` selection, and on each SYSTEM_TRAY_REQUEST_DOCK reparents
the icon window into a 64x64 slot at the top-left of the screen and maps it, as a panel
would, with the icon in its save-set so that it survives the host being killed
(`--no-save-set` leaves that out, as careless panels do, and the icon dies with the host).
Prints `ready` once it owns the selection.
"""

from __future__ import annotations

import sys

from Xlib import X, display
from Xlib.protocol import event

SLOT = 64


def main(save_set: bool) -> None:
    screen_display = display.Display()
    screen = screen_display.screen()
    panel = screen.root.create_window(
        0, 0, SLOT * 4, SLOT, 0, screen.root_depth, background_pixel=screen.black_pixel
    )
    panel.map()
    selection = screen_display.intern_atom("_NET_SYSTEM_TRAY_S0")
    opcode = screen_display.intern_atom("_NET_SYSTEM_TRAY_OPCODE")
    manager = screen_display.intern_atom("MANAGER")
    panel.set_selection_owner(selection, X.CurrentTime)
    announce = event.ClientMessage(
        window=screen.root,
        client_type=manager,
        data=(32, [X.CurrentTime, selection, panel.id, 0, 0]),
    )
    screen.root.send_event(announce, event_mask=X.StructureNotifyMask)
    screen_display.flush()
    print("ready", flush=True)
    slots: dict[int, int] = {}  # icon window id -> slot; icons ask again on every update
    while True:
        message = screen_display.next_event()
        if message.type != X.ClientMessage or message.client_type != opcode:
            continue
        if message.data[1][1] != 0:  # only SYSTEM_TRAY_REQUEST_DOCK
            continue
        window_id = message.data[1][2]
        slot = slots.setdefault(window_id, len(slots))
        icon = screen_display.create_resource_object("window", window_id)
        if save_set:
            icon.change_save_set(X.SetModeInsert)
        icon.reparent(panel, slot * SLOT, 0)
        icon.configure(width=SLOT, height=SLOT)
        icon.map()
        screen_display.flush()


if __name__ == "__main__":
    main(save_set="--no-save-set" not in sys.argv[1:])
