"""Software inventory: which browsers and softphones are installed, at which version, and the OS.

`apps` is the catalogue of applications agentprobe knows how to find, `parse` turns tool
output into versions (pure, tested on captured text), `host` is the seam to the machine
(commands, files, process names), and `linux`, `windows`, `macos` read through that seam.
"""
