"""Passive packet capture: link and IP/UDP header parsing, a kernel filter, per-OS readers.

Each reader keeps only what the kernel filter lets through (IP and UDP headers and the
first bytes of the UDP payload that RTP, RTCP, STUN and TURN headers occupy) and hands
the call engine `Datagram`s through the `PacketSource` seam.
"""
