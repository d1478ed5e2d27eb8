"""Shared test configuration: the repository root is on sys.path through pytest's `pythonpath`."""
