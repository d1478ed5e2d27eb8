"""Where the X11 popup menu opens, which row a click picks, and how rows are drawn."""

from __future__ import annotations

from PIL import ImageFont

from agentprobe.agent.tray.xmenu import (
    GREYED,
    HOVER_PAPER,
    PAD_X,
    PAPER,
    ROW_HEIGHT,
    Layout,
    MenuItem,
    render,
)

SCREEN = (640, 400)


def test_menu_opens_at_the_pointer_when_it_fits() -> None:
    layout = Layout.place([100, 180, 60], at=(50, 70), screen=SCREEN)
    assert (layout.x, layout.y) == (50, 70)
    assert (layout.width, layout.height) == (180 + 2 * PAD_X, 3 * ROW_HEIGHT)


def test_menu_opens_upwards_and_leftwards_near_the_bottom_right_corner() -> None:
    layout = Layout.place([100, 100], at=(630, 390), screen=SCREEN)
    assert layout.x + layout.width == SCREEN[0]
    assert layout.y + layout.height == 390


def test_menu_is_never_wider_or_taller_than_the_screen() -> None:
    layout = Layout.place([5000.0] * 40, at=(300, 200), screen=SCREEN)
    assert (layout.x, layout.y, layout.width, layout.height) == (0, 0, *SCREEN)


def test_row_at_maps_points_to_rows_and_outside_to_none() -> None:
    layout = Layout(0, 0, 120, 3 * ROW_HEIGHT)
    assert layout.row_at(5, 0) == 0
    assert layout.row_at(5, ROW_HEIGHT) == 1
    assert layout.row_at(119, 3 * ROW_HEIGHT - 1) == 2
    assert layout.row_at(5, 3 * ROW_HEIGHT) is None
    assert layout.row_at(-1, 5) is None
    assert layout.row_at(120, 5) is None


def test_only_clickable_rows_light_up_under_the_pointer() -> None:
    items = [MenuItem("system: fail"), MenuItem(""), MenuItem("Quit", lambda: None)]
    layout = Layout(0, 0, 120, 3 * ROW_HEIGHT)
    font = ImageFont.load_default()

    def row_pixels(hover: int | None, row: int) -> set[tuple[int, int, int]]:
        image = render(items, layout, hover, font)
        strip = image.crop((1, row * ROW_HEIGHT + 1, 119, (row + 1) * ROW_HEIGHT - 1))
        return {colour for _, colour in strip.getcolors(maxcolors=10_000)}

    assert HOVER_PAPER in row_pixels(hover=2, row=2)
    assert HOVER_PAPER not in row_pixels(hover=0, row=0)  # information, not an action
    assert GREYED in row_pixels(hover=None, row=0)
    assert row_pixels(hover=None, row=2) > {PAPER}  # the label is drawn
