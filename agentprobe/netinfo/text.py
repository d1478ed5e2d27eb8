"""Readers shared by the per-OS parsers of tool output: leading numbers, `label : value` lines."""

from __future__ import annotations

import re

_NUMBER = re.compile(r"\s*(-?\d+(?:\.\d+)?)")


def leading_number(text: str) -> float | None:
    """The number a value starts with ("-61 dBm" -> -61.0, "866.7 MBit/s" -> 866.7)."""
    match = _NUMBER.match(text)
    return float(match.group(1)) if match else None


def labelled_values(text: str, separator: str = ":") -> dict[str, str]:
    """`label <separator> value` lines, labels and values stripped; the first label wins."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        label, sep, value = line.partition(separator)
        if sep and label.strip():
            values.setdefault(label.strip(), value.strip())
    return values
