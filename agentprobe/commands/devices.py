"""`agentprobe devices`: the audio inputs and outputs, the defaults, and the headset guess.

For IT on the phone with an agent: which microphone will the softphone use? On Linux the
sound server's own sources and sinks are listed too (PortAudio sees only "pulse" there),
with bus, form factor and Bluetooth profile. `--json` prints the same facts for scripts.
Exit code 0, or 3 when no audio library can load.
"""

from __future__ import annotations

from typing import Any

import click

from agentprobe.audio.backend import AudioBackend, AudioUnavailable, load_backend
from agentprobe.audio.headset import guess, guess_server, is_headset, server_is_headset
from agentprobe.audio.pactl import ServerDevice
from agentprobe.audio.sound_server import SoundServer, read_sound_server
from agentprobe.commands.common import print_json

EXIT_UNKNOWN = 3


def describe(audio: AudioBackend, sound: SoundServer | None) -> dict[str, Any]:
    """Devices, defaults and the headset guess as plain data."""
    devices = audio.devices()
    default_in, default_out = audio.defaults()
    by_index = {d.index: d for d in devices}
    found = guess(devices, by_index.get(default_in) if default_in is not None else None)
    if sound is not None and (sound.microphones or sound.sinks):
        found = guess_server(sound)
    return {
        "backend": audio.name,
        "devices": [{**d.to_dict(), "headset": is_headset(d, devices)} for d in devices],
        "default_input": by_index[default_in].name if default_in in by_index else None,
        "default_output": by_index[default_out].name if default_out in by_index else None,
        "sound_server": _server(sound) if sound is not None else None,
        "headset": found.headset,
        "headset_connection": found.connection,
        "default_input_builtin": found.default_input_builtin,
        "bluetooth_hfp": found.bluetooth_hfp,
    }


def _server(sound: SoundServer) -> dict[str, Any]:
    """The sound server's view, by description (node names can hold serial numbers)."""

    def entry(device: ServerDevice) -> dict[str, Any]:
        return {
            "description": device.description,
            "bus": device.bus or None,
            "form_factor": device.form_factor or None,
            "profile": device.profile or None,
            "rate_hz": device.rate or None,
            "monitor": device.is_monitor,
            "headset": server_is_headset(device, sound),
        }

    source, sink = sound.default_source, sound.default_sink
    return {
        "server": sound.server,
        "default_source": source.description if source else None,
        "default_sink": sink.description if sink else None,
        "sources": [entry(d) for d in sound.sources],
        "sinks": [entry(d) for d in sound.sinks],
    }


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the devices as JSON.")
@click.pass_context
def devices(ctx: click.Context, as_json: bool) -> None:
    """List audio inputs and outputs, the defaults, and which one looks like a headset."""
    try:
        facts = describe(load_backend(), read_sound_server())
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
    server = facts["sound_server"]
    if server is not None:
        _print_server(console, server)
    console.print(f"headset:        {facts['headset'] or 'none found'}")


def _print_server(console: Any, server: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(title=f"sound server ({server['server']})")
    for column in ("kind", "description", "bus", "form factor", "profile", "headset"):
        table.add_column(column)
    for kind in ("sources", "sinks"):
        for d in server[kind]:
            if not d["monitor"]:
                table.add_row(kind[:-1], d["description"], d["bus"] or "",
                              d["form_factor"] or "", d["profile"] or "",
                              "yes" if d["headset"] else "")  # fmt: skip
    console.print(table)
    console.print(f"default source: {server['default_source'] or 'none'}")
    console.print(f"default sink:   {server['default_sink'] or 'none'}")
