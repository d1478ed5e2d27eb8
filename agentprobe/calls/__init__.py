"""Passive call telemetry: what real calls carry on the wire and at the headset, never content."""
