"""The tray icon's popup menu on plain X11: an override-redirect window drawn with Pillow.

Panels that only speak the System Tray Protocol give an icon no menu, so the icon pops up
its own: one row per item, greyed rows are information, a line is a separator. The menu
grabs the pointer, so the next press anywhere either picks a row or closes it.
Layout is pure (`Layout`); `PopupMenu` does the X work and is driven by the icon's loop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from Xlib import X

ROW_HEIGHT = 22
PAD_X = 10
INK, GREYED, PAPER = (20, 20, 20), (120, 120, 120), (246, 246, 246)
HOVER_PAPER, HOVER_INK, RULE = (38, 104, 190), (255, 255, 255), (200, 200, 200)


@dataclass(frozen=True)
class MenuItem:
    label: str  # empty: a separator line
    action: Callable[[], None] | None = None  # None: shown greyed, not clickable


@dataclass(frozen=True)
class Layout:
    """Where the menu goes and which row a point falls in."""

    x: int
    y: int
    width: int
    height: int

    @classmethod
    def place(
        cls, text_widths: Sequence[float], at: tuple[int, int], screen: tuple[int, int]
    ) -> Layout:
        """Open at the pointer, kept on screen; open upwards when there is no room below
        (panels usually sit at the bottom)."""
        width = min(int(max(text_widths, default=0)) + 2 * PAD_X, screen[0])
        height = min(len(text_widths) * ROW_HEIGHT, screen[1])
        x = max(0, min(at[0], screen[0] - width))
        y = at[1] if at[1] + height <= screen[1] else max(0, at[1] - height)
        return cls(x, y, width, height)

    def row_at(self, x: int, y: int) -> int | None:
        """The row under a point given relative to the menu; None outside it."""
        if not (0 <= x < self.width and 0 <= y < self.height):
            return None
        return y // ROW_HEIGHT


def render(items: Sequence[MenuItem], layout: Layout, hover: int | None, font: Any) -> Any:
    """The menu as an RGB image, the hovered clickable row highlighted."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (layout.width, layout.height), PAPER)
    draw = ImageDraw.Draw(image)
    for row, item in enumerate(items):
        top = row * ROW_HEIGHT
        if not item.label:  # a separator
            draw.line((4, top + ROW_HEIGHT // 2, layout.width - 5, top + ROW_HEIGHT // 2), RULE)
            continue
        ink = INK if item.action else GREYED
        if row == hover and item.action:
            draw.rectangle((0, top, layout.width - 1, top + ROW_HEIGHT - 1), HOVER_PAPER)
            ink = HOVER_INK
        draw.text((PAD_X, top + ROW_HEIGHT // 2), item.label, fill=ink, font=font, anchor="lm")
    draw.rectangle((0, 0, layout.width - 1, layout.height - 1), outline=RULE)
    return image


class PopupMenu:
    """One open menu; `handle` returns False once it has closed."""

    def __init__(self, display: Any, items: Sequence[MenuItem], at: tuple[int, int]) -> None:
        from PIL import ImageFont

        self.display, self.items = display, list(items)
        self.hover: int | None = None
        self.font = ImageFont.load_default()
        screen = display.screen()
        widths = [self.font.getlength(item.label) for item in self.items]
        self.layout = Layout.place(widths, at, (screen.width_in_pixels, screen.height_in_pixels))
        self.window = screen.root.create_window(
            self.layout.x,
            self.layout.y,
            self.layout.width,
            self.layout.height,
            0,
            screen.root_depth,
            window_class=X.InputOutput,
            override_redirect=True,
            event_mask=X.ExposureMask,
        )
        self.window.set_wm_name("agentprobe menu")
        self.gc = self.window.create_gc()
        self.window.map()
        # Reported relative to the menu wherever the pointer is: a press outside closes it.
        self.window.grab_pointer(
            False,
            X.ButtonPressMask | X.PointerMotionMask,
            X.GrabModeAsync,
            X.GrabModeAsync,
            X.NONE,
            X.NONE,
            X.CurrentTime,
        )
        self.display.flush()

    def handle(self, message: Any) -> bool:
        """Feed one X event for the menu window; True while the menu stays open."""
        if message.type == X.Expose:
            self._paint()
        elif message.type == X.MotionNotify:
            row = self.layout.row_at(message.event_x, message.event_y)
            if row != self.hover:
                self.hover = row
                self._paint()
        elif message.type == X.ButtonPress:
            row = self.layout.row_at(message.event_x, message.event_y)
            self.close()
            action = self.items[row].action if row is not None else None
            if action is not None:
                action()
            return False
        return True

    def _paint(self) -> None:
        image = render(self.items, self.layout, self.hover, self.font)
        self.window.put_pil_image(self.gc, 0, 0, image)
        self.display.flush()

    def close(self) -> None:
        self.display.ungrab_pointer(X.CurrentTime)
        self.window.destroy()
        self.display.flush()
