"""`python -m agentprobe`: the same entry point as the `agentprobe` script."""

from agentprobe.cli import main

main()
