"""The bandwidth test.

Speedtest-cli's engine, byte metering, the stop rule, latency pingers, bufferbloat.
"""
