"""Declarative config sections: typed dataclass fields validated from TOML tables.

A section is a frozen dataclass whose fields are declared with `setting()` (default,
one-line doc, and limits). `parse_section()` turns a TOML table into that dataclass or
raises `ConfigError` naming the file, the key and the reason, so every section, the
agent's and each check's, is validated by one piece of code.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from agentprobe.config.durations import format_duration, parse_duration
from agentprobe.thresholds import Band

S = TypeVar("S")


class ConfigError(Exception):
    """Bad configuration: one line that names the file, the key and the reason."""

    def __init__(self, source: Path | str | None, key: str, reason: str) -> None:
        self.source, self.key, self.reason = source, key, reason
        where = f"{source}: " if source else ""
        super().__init__(f"{where}{key}: {reason}" if key else f"{where}{reason}")


def setting(
    default: Any,
    doc: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    choices: Sequence[str] | None = None,
    duration: bool = False,
    check: Callable[[Any], str | None] | None = None,
) -> Any:
    """Declare a config key: default, one-line doc, and what makes a value valid.

    `check` returns a reason string for an invalid value, or None.
    """
    meta = {
        "doc": doc,
        "minimum": minimum,
        "maximum": maximum,
        "choices": tuple(choices) if choices else None,
        "duration": duration,
        "check": check,
    }
    if isinstance(default, list | dict):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


def every(default: float) -> Any:
    """Declare a check's `interval` with its own default (seconds)."""
    return setting(
        default, "how often the daemon runs it", duration=True, minimum=10, maximum=7 * 86400
    )


@dataclass(frozen=True)
class CheckConfig:
    """Keys every check section has: `enabled`, `interval`, `timeout`, `thresholds`."""

    enabled: bool = setting(True, "run this check")
    interval: float = every(900.0)
    timeout: float = setting(
        60.0,
        "the check is cut off and reported as an error after this long",
        duration=True,
        minimum=1,
        maximum=3600,
    )
    thresholds: dict[str, tuple[float, float]] = setting(
        {}, "per-metric [pass_limit, warn_limit] overrides of the default bands"
    )


def toml_value(value: Any, duration: bool = False) -> str:
    """A default as it would be written in TOML (used for config.example.toml and docs)."""
    if duration:
        return f'"{format_duration(float(value))}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if value != 0 else "0"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        pairs = (f"{_toml_key(k)} = {toml_value(v)}" for k, v in value.items())
        return "{" + ", ".join(pairs) + "}" if value else "{}"
    return str(value)


def _toml_key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else toml_value(key)


def parse_section(
    section: type[S],
    table: Any,
    where: str,
    source: Path | None,
    bands: Mapping[str, Band] | None = None,
) -> S:
    """Build `section` from a TOML table, rejecting unknown keys and invalid values."""
    if not isinstance(table, dict):
        raise ConfigError(source, f"[{where}]", "must be a table")
    hints = typing.get_type_hints(section)
    fields = {spec.name: spec for spec in dataclasses.fields(section)}  # type: ignore[arg-type]
    unknown = sorted(set(table) - set(fields))
    if unknown:
        known = ", ".join(fields)
        raise ConfigError(source, f"[{where}] {unknown[0]}", f"unknown key (known: {known})")
    values = {}
    for name, raw in table.items():
        key = f"[{where}] {name}"
        if name == "thresholds":
            values[name] = _thresholds(raw, bands or {}, key, source)
        else:
            values[name] = _value(raw, hints[name], fields[name].metadata, key, source)
    return section(**values)


def _value(raw: Any, hint: Any, meta: Mapping[str, Any], key: str, source: Path | None) -> Any:
    try:
        value = parse_duration(raw) if meta.get("duration") else _typed(raw, hint)
    except ValueError as error:
        raise ConfigError(source, key, str(error)) from None
    reason = _limits(value, meta)
    if reason:
        raise ConfigError(source, key, reason)
    return value


def _typed(raw: Any, hint: Any) -> Any:
    origin = typing.get_origin(hint)
    if hint is bool:
        if not isinstance(raw, bool):
            raise ValueError(f"expected true or false, got {raw!r}")
        return raw
    if hint is int:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ValueError(f"expected a whole number, got {raw!r}")
        return raw
    if hint is float:
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise ValueError(f"expected a number, got {raw!r}")
        return float(raw)
    if hint is str:
        if not isinstance(raw, str):
            raise ValueError(f"expected a string, got {raw!r}")
        return raw
    if origin is list:
        if not isinstance(raw, list):
            raise ValueError(f"expected a list, got {raw!r}")
        (item,) = typing.get_args(hint)
        return [_typed(entry, item) for entry in raw]
    if origin is dict:
        if not isinstance(raw, dict):
            raise ValueError(f"expected a table, got {raw!r}")
        _, item = typing.get_args(hint)
        return {str(name): _typed(entry, item) for name, entry in raw.items()}
    raise ValueError(f"unsupported type {hint!r}")


def _limits(value: Any, meta: Mapping[str, Any]) -> str | None:
    minimum, maximum, choices = meta.get("minimum"), meta.get("maximum"), meta.get("choices")
    if minimum is not None and value < minimum:
        return f"must be at least {minimum:g}, got {value:g}"
    if maximum is not None and value > maximum:
        return f"must be at most {maximum:g}, got {value:g}"
    if choices and value not in choices:
        return f"must be one of {', '.join(choices)}; got {value!r}"
    custom = meta.get("check")
    return custom(value) if custom else None


def _thresholds(
    raw: Any, bands: Mapping[str, Band], key: str, source: Path | None
) -> dict[str, tuple[float, float]]:
    if not isinstance(raw, dict):
        raise ConfigError(source, key, "must be a table of metric = [pass_limit, warn_limit]")
    parsed = {}
    for metric, limits in raw.items():
        where = f"{key}.{metric}"
        if metric not in bands:
            known = ", ".join(sorted(bands)) or "none"
            raise ConfigError(source, where, f"not a graded metric of this check (graded: {known})")
        if (
            not isinstance(limits, list)
            or len(limits) != 2
            or any(isinstance(v, bool) or not isinstance(v, int | float) for v in limits)
        ):
            raise ConfigError(source, where, f"expected [pass_limit, warn_limit], got {limits!r}")
        try:
            bands[metric].with_limits(float(limits[0]), float(limits[1]))
        except ValueError as error:
            raise ConfigError(source, where, str(error)) from None
        parsed[metric] = (float(limits[0]), float(limits[1]))
    return parsed
