"""`agentprobe devices`: the audio inputs and outputs, the defaults, and the headset guess.

For IT on the phone with an agent: which microphone will the softphone use? `--json`
prints the same facts for scripts. Exit code 0, or 3 when no audio library can load.
"""

from __future__ import annotations

from typing import Any

import click

from agentprobe.audio import AudioBackend, AudioUnavailable, load_backend
from agentprobe.commands.common import print_json
from agentprobe.headset import guess, is_headset

EXIT_UNKNOWN = 3


def describe(audio: AudioBackend) -> dict[str, Any]:
    """Devices, defaults and the headset guess as plain data."""
    devices = audio.devices()
    default_in, default_out = audio.defaults()
    by_index = {d.index: d for d in devices}
    found = guess(devices, by_index.get(default_in) if default_in is not None else None)
    return {
        "backend": audio.name,
        "devices": [{**d.to_dict(), "headset": is_headset(d, devices)} for d in devices],
        "default_input": by_index[default_in].name if default_in in by_index else None,
        "default_output": by_index[default_out].name if default_out in by_index else None,
        "headset": found.headset.name if found.headset else None,
        "default_input_builtin": found.default_input_builtin,
        "bluetooth_hfp": found.bluetooth_hfp,
    }


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the devices as JSON.")
@click.pass_context
def devices(ctx: click.Context, as_json: bool) -> None:
    """List audio inputs and outputs, the defaults, and which one looks like a headset."""
    try:
        facts = describe(load_backend())
    except AudioUnavailable as error:
        click.echo(f"agentprobe: no audio library could load: {error}", err=True)
        ctx.exit(EXIT_UNKNOWN)
    if as_json:
        print_json(facts)
    else:
        _print(facts)
    ctx.exit(0)


def _print(facts: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"audio devices ({facts['backend']})")
    for column in ("#", "name", "host API", "in", "out", "default rate", "headset"):
        table.add_column(column)
    for d in facts["devices"]:
        table.add_row(
            str(d["index"]),
            d["name"],
            d["host_api"],
            str(d["max_input_channels"]),
            str(d["max_output_channels"]),
            f"{d['default_samplerate']:g}",
            "yes" if d["headset"] else "",
        )
    console = Console(highlight=False)
    console.print(table)
    console.print(f"default input:  {facts['default_input'] or 'none'}")
    console.print(f"default output: {facts['default_output'] or 'none'}")
    console.print(f"headset:        {facts['headset'] or 'none found'}")
