"""`agentprobe native-host` and `agentprobe browser install`: the browser companion's CLI.

`native-host` is what Chrome starts when the extension connects (through the launcher the
install writes); it serves stdin/stdout until the browser closes the pipe and leaves the
finished calls in the spool of the agent's data dir. `browser install` writes the host
manifest (and on Windows the registry value) for one browser, and prints the enterprise
policy that force-installs the extension with its softphone origins. With `--dry-run` it
writes nothing and prints what it would write, for any OS.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from agentprobe.browser import install, policy
from agentprobe.commands.common import config_option, load_config

EXIT_UNKNOWN = 3
SPOOL_DIR = "calls"  # <data dir>/calls: the call spool the daemon drains
DEFAULT_ORIGINS = ["https://*.my.connect.aws/*", "https://apps.mypurecloud.com/*",
                   "https://flex.twilio.com/*", "https://*.five9.com/*",
                   "https://*.mytalkdesk.com/*"]  # fmt: skip


@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("caller", nargs=-1)
@click.option("--parent-window", hidden=True, help="Passed by Chrome on Windows; unused.")
@config_option
def native_host(
    caller: tuple[str, ...], parent_window: str | None, config_path: str | None
) -> None:
    """Serve the browser extension over native messaging (started by the browser).

    CALLER is what the browser passes (Chrome: the extension's origin; Firefox: the
    manifest path and the extension id); it is not needed.
    """
    from agentprobe.browser.host import NativeHost
    from agentprobe.calls.spool import CallSpool
    from agentprobe.privacy import hash_locator

    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="agentprobe: %(message)s")
    data_dir = load_config(config_path).data_dir
    host = NativeHost(
        sys.stdin.buffer,
        sys.stdout.buffer,
        CallSpool(data_dir / SPOOL_DIR),
        lambda origin: hash_locator(origin, data_dir),
    )
    sys.exit(host.run())


@click.group()
def browser() -> None:
    """Install the native messaging host for the browser extension."""


@browser.command("install")
@click.option("--browser", "browser_name", type=click.Choice(install.BROWSERS), default="chrome",
              show_default=True, help="The browser whose manifest folder to use.")  # fmt: skip
@click.option("--os", "system", type=click.Choice(install.SYSTEMS), default=None,
              help="Target OS (default: this one); another OS needs --dry-run.")  # fmt: skip
@click.option("--extension-id", "extension_ids", multiple=True,
              help="Extension id allowed to start the host (repeatable; default: the "
                   "id of the extension in this repository).")  # fmt: skip
@click.option("--update-url", default="", help="Update URL of a self-hosted extension (policy).")
@click.option("--origin", "origins", multiple=True, help="Softphone origin for the policy.")
@click.option("--dry-run", is_flag=True, help="Print the files and commands; write nothing.")
def install_command(browser_name: str, system: str | None, extension_ids: tuple[str, ...],
                    update_url: str, origins: tuple[str, ...], dry_run: bool) -> None:  # fmt: skip
    """Register `agentprobe native-host` with a browser, and print the policy for IT."""
    target = system or install.current_system()
    if target != install.current_system() and not dry_run:
        raise click.UsageError(f"installing for {target} needs --dry-run on this OS")
    ids = list(extension_ids) or [install.DEFAULT_EXTENSION_ID]
    home = install.home_for(target, Path.home())
    try:
        python = install.python_for(target, sys.executable)
        plan = install.plan(target, browser_name, home, python, ids)
    except install.InstallError as error:
        raise click.UsageError(str(error)) from None
    if dry_run:
        _show(plan)
    else:
        registry = install.windows_registry if target == "windows" else None
        for path in install.apply(plan, registry):
            click.echo(f"wrote {path}")
        for key, value in plan.registry:
            click.echo(f"set HKCU\\{key} = {value}")
    click.echo(f"\n# Enterprise policy ({target}, {browser_name}):")
    text = policy.render(target, browser_name, ids[0], list(origins) or DEFAULT_ORIGINS, update_url)
    click.echo(text, nl=False)


def _show(plan: install.Plan) -> None:
    for item in plan.files:
        mode = "0755" if item.executable else "0644"
        click.echo(f"# would write {item.path} (mode {mode}):")
        click.echo(item.text.replace("\r\n", "\n"), nl=False)
    for command in plan.commands():
        click.echo(f"# would run:\n{command}")
