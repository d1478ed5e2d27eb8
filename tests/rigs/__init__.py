"""Shared test rigs: real processes and sockets (collector, PulseAudio, ports)."""
