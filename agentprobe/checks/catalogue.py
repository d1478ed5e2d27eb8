"""The README's metric catalogue, rendered from the checks' own declarations.

Each registered check contributes a markdown table (metric, unit, description, and the
default bands where the metric is graded). `python -m agentprobe.checks.catalogue --write
README.md` refreshes the block between the markers; a test fails when it drifts.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from agentprobe.checks.base import Check
from agentprobe.checks.registry import CHECKS
from agentprobe.thresholds import Band

BEGIN, END = "<!-- metrics:begin -->", "<!-- metrics:end -->"
COMMAND = "python -m agentprobe.checks.catalogue --write README.md"


def bands_text(band: Band) -> tuple[str, str, str]:
    """(pass, warn, fail) cells: the half-open limits as a reader compares them."""
    better, worse = ("≥", "<") if band.higher_is_better else ("≤", ">")
    return (
        f"{better} {band.pass_limit:g}",
        f"{better} {band.warn_limit:g}",
        f"{worse} {band.warn_limit:g}",
    )


def bands_text_or_blank(band: Band | None) -> tuple[str, str, str]:
    return bands_text(band) if band else ("", "", "")


def check_table(check: type[Check]) -> str:
    lines = [
        f"### `{check.name}`",
        "",
        f"{check.description}.",
        "",
        "| metric | unit | description | pass | warn | fail |",
        "|---|---|---|---|---|---|",
    ]
    for name, metric in check.metrics.items():
        band = check.bands.get(name)
        cells = (f"`{name}`", metric.unit, metric.description, *bands_text_or_blank(band))
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def render(checks: Sequence[type[Check]] = CHECKS) -> str:
    """The whole catalogue block (without the markers)."""
    intro = (
        "Generated from the checks' declarations; every band is overridable in\n"
        "`[<check>.thresholds]` as `metric = [pass_limit, warn_limit]`.\n"
        f"Refresh with `{COMMAND}`.\n"
    )
    return "\n".join([intro, *(check_table(check) for check in checks)])


def block(text: str) -> str | None:
    """The catalogue currently between the markers of `text`, or None without markers."""
    match = re.search(re.escape(BEGIN) + r"\n(.*?)" + re.escape(END), text, re.S)
    return match.group(1) if match else None


def replace_block(text: str, catalogue: str) -> str:
    if block(text) is None:
        raise ValueError(f"no {BEGIN} ... {END} markers found")
    start = text.index(BEGIN) + len(BEGIN)
    return text[:start] + "\n" + catalogue + text[text.index(END, start) :]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m agentprobe.checks.catalogue", description=__doc__
    )
    parser.add_argument("--write", metavar="README", help="refresh the block in this file")
    args = parser.parse_args(argv)
    if not args.write:
        sys.stdout.write(render())
        return 0
    path = Path(args.write)
    try:
        path.write_text(replace_block(path.read_text(), render()))
    except (OSError, ValueError) as error:
        print(f"{path}: {error}", file=sys.stderr)
        return 1
    print(f"{path}: metric catalogue refreshed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
