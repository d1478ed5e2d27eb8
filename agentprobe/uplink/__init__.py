"""The agent's HTTPS link to the collector.

The pinned requests session and the agent's identity.
"""
