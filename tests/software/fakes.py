"""A scripted machine for the software inventory: canned command output, files and process names."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from agentprobe.software.host import Output

DATA = Path(__file__).parent / "data"


def data(name: str) -> str:
    """A captured output from tests/software/data, exactly as the tool printed it."""
    return (DATA / name).read_bytes().decode()


class FakeHost:
    """Answers only the commands it was given; any other command "does not exist here".

    A command is matched by the longest given key that starts its argv, so ("dpkg-query",)
    answers whatever packages are asked for; `calls` records what was really asked.
    """

    def __init__(
        self,
        system: str,
        commands: Mapping[tuple[str, ...], str | Output] | None = None,
        files: Mapping[str, str] | None = None,
        processes: Sequence[str] = (),
    ) -> None:
        self._system = system
        self.commands = dict(commands or {})
        self.files = dict(files or {})
        self.processes = list(processes)
        self.calls: list[tuple[str, ...]] = []

    @property
    def system(self) -> str:
        return self._system

    def run(self, argv: Sequence[str]) -> Output | None:
        self.calls.append(tuple(argv))
        keys = [key for key in self.commands if tuple(argv[: len(key)]) == key]
        if not keys:
            return None
        reply = self.commands[max(keys, key=len)]
        return Output(0, reply) if isinstance(reply, str) else reply

    def read_text(self, path: str) -> str | None:
        return self.files.get(path)

    def process_names(self) -> Iterator[str]:
        yield from self.processes
