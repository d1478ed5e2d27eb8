"""The collector's storage.

Tables and migrations, report writes, group commit, reads and credentials.
"""
