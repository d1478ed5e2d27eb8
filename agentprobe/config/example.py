"""Render config.example.toml from the section declarations, so the example never drifts."""

from __future__ import annotations

import dataclasses

from agentprobe.config.load import CheckSections
from agentprobe.config.sections import TOP_SECTIONS
from agentprobe.config.spec import toml_value

HEADER = """\
# agentprobe agent configuration: every key, at its default.
# Location: --config FILE, else $AGENTPROBE_CONFIG, else config.toml in the user config
# dir (`agentprobe config path` prints it). Durations take seconds or "30s", "15m", "2h".
# Unknown keys are an error. Regenerate with: agentprobe config example
"""

THRESHOLDS_NOTE = """\
# [{name}.thresholds] overrides a graded metric's bands as [pass_limit, warn_limit],
# e.g. {example}
"""


def render(checks: CheckSections) -> str:
    """The whole example file: each section with each key commented by its doc line."""
    parts = [HEADER]
    for name, section in TOP_SECTIONS.items():
        parts.append(_section(name, section))
    for name, (section, bands) in checks.items():
        parts.append(_section(name, section))
        if bands:
            metric, band = next(iter(bands.items()))
            example = f"{metric} = [{band.pass_limit:g}, {band.warn_limit:g}]"
            parts.append(THRESHOLDS_NOTE.format(name=name, example=example))
    return "\n".join(parts)


def _section(name: str, section: type) -> str:
    lines = [f"[{name}]"]
    for spec in dataclasses.fields(section):
        if spec.name == "thresholds":
            continue
        default = spec.default_factory() if callable(spec.default_factory) else spec.default
        value = toml_value(default, bool(spec.metadata.get("duration")))
        lines.append(f"{spec.name} = {value}  # {spec.metadata.get('doc', '')}{_limits(spec)}")
    return "\n".join(lines) + "\n"


def _limits(spec: dataclasses.Field[object]) -> str:
    """What values are accepted, when the declaration restricts them."""
    meta = spec.metadata
    if meta.get("choices"):
        return f" (one of: {', '.join(meta['choices'])})"
    low, high = meta.get("minimum"), meta.get("maximum")
    if spec.name in ("interval", "timeout") or (low is None and high is None):
        return ""
    if low is not None and high is not None:
        return f" ({_figure(low)} to {_figure(high)})"
    if low is not None:
        return f" (at least {_figure(low)})"
    return f" (at most {_figure(high)})"


def _figure(limit: object) -> str:
    """Whole numbers in full (1000000, not 1e+06); fractions as short as they go."""
    return f"{limit:g}" if isinstance(limit, float) else str(limit)
