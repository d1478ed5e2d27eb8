"""The collector's HTTP routes.

Enrolment and ingest, the read API, and the measurement endpoints.
"""
