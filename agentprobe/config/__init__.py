"""Configuration.

Declarative sections validated from TOML, durations, shift times, the example file.
"""
