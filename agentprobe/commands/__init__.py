"""Click subcommands of the agent side, one module per command."""
