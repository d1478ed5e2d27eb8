"""The collector: an HTTPS service that enrols agents, stores their reports and shows the fleet.

`agentprobe collector serve` runs it (see `server.py`); `app.create_app` builds the FastAPI
application; `store.Store` is the only module that talks to the database.
"""
