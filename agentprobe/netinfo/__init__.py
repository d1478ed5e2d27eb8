"""What the operating system says about this machine's network path, parsed from its own tools.

Each OS module splits parsing (pure functions of a command's text, tested on captured
outputs) from reading (running the command through a runner seam, or reading a /proc and
/sys tree under a root seam). `snapshot.read_snapshot` picks the module for the platform.
"""
