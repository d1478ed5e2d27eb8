"""Every test here runs with its own HOME: no user config, data or secret leaks in or out."""

from tests.rigs.isolation import isolated_home

__all__ = ["isolated_home"]
