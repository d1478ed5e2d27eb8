"""The voice path.

The probe's wire format, the UDP probe, stream statistics and the G.107 E-model.
"""
