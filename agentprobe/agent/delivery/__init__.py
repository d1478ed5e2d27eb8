"""Getting reports to the collector.

The crash-safe outbox, the uploader, the sender and backoff.
"""
