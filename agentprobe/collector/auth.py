"""Who is calling: agent tokens, admin tokens and enrol secrets, checked by hash.

Every credential the collector issues is 256 bits from `secrets`, so an attacker who
steals the database cannot brute-force a preimage; one SHA-256 of the token is therefore
a sound stored form (slow password hashes exist for low-entropy human passwords, and would
only cost CPU on every request here). Only those hashes are stored.

`require_agent` and `require_admin` are FastAPI dependencies. They read the lookup from
`request.app.state.auth` (an `Authenticator`), which caches positive answers briefly so
the ingest path does not query the database for every report; revocation through the API
clears the cache at once (as do enrolment and release through the API), and revocation
from another process (the CLI) takes effect within `CACHE_SECONDS`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Protocol

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from agentprobe.collector.errors import ApiError

CACHE_SECONDS = 5.0
BEARER_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def new_token(prefix: str) -> str:
    """A fresh 256-bit credential; the prefix names its kind (apa_ agent, apo_ ops, ape_ enrol)."""
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """The stored form of a credential: SHA-256 hex (see the module docstring for why).

    Unsalted on purpose: a salt defeats precomputed tables over guessable inputs, and a
    256-bit random token has no guessable input (a table of 2**256 entries cannot exist).
    Unsalted, the hash is also the lookup key, so a request costs one indexed query."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


class CredentialLookup(Protocol):
    """What the store answers about hashed credentials (None/False when unknown or revoked)."""

    def agent_for_token(self, token_sha256: str) -> str | None: ...

    def admin_token_valid(self, token_sha256: str) -> bool: ...


class Authenticator:
    """Checks bearer tokens against the store, with a short cache of positive answers."""

    def __init__(self, lookup: CredentialLookup, cache_seconds: float = CACHE_SECONDS) -> None:
        self.lookup = lookup
        self.cache_seconds = cache_seconds
        self._agents: dict[str, tuple[str, float]] = {}
        self._admins: dict[str, float] = {}

    def cached_agent(self, token: str) -> str | None:
        """The agent for a token answered from memory, without touching the database."""
        cached = self._agents.get(token_hash(token))
        return cached[0] if cached and cached[1] > time.monotonic() else None

    def agent_for(self, token: str) -> str | None:
        digest = token_hash(token)
        agent_id = self.cached_agent(token) or self.lookup.agent_for_token(digest)
        if agent_id is not None:
            self._agents[digest] = (agent_id, time.monotonic() + self.cache_seconds)
        return agent_id

    def cached_admin(self, token: str) -> bool:
        return self._admins.get(token_hash(token), 0.0) > time.monotonic()

    def is_admin(self, token: str) -> bool:
        digest = token_hash(token)
        valid = self.cached_admin(token) or self.lookup.admin_token_valid(digest)
        if valid:
            self._admins[digest] = time.monotonic() + self.cache_seconds
        return valid

    def forget_agent(self, agent_id: str) -> None:
        """Drop the cached tokens of one agent (revoked, released or enrolled again)."""
        for digest in [d for d, (agent, _) in self._agents.items() if agent == agent_id]:
            self._agents.pop(digest, None)

    def forget(self) -> None:
        """Drop every cached answer (after a revocation in this process)."""
        self._agents.clear()
        self._admins.clear()


def bearer(request: Request) -> str:
    """The bearer token of the request, or a 401 ApiError."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "missing bearer token", BEARER_CHALLENGE)
    return token.strip()


def _authenticator(request: Request) -> Authenticator:
    auth: Authenticator = request.app.state.auth
    return auth


async def require_agent(request: Request) -> str:
    """FastAPI dependency: the agent_id behind a valid agent token, else 401."""
    token, auth = bearer(request), _authenticator(request)
    # The database is only asked on a cache miss, in a worker thread (it blocks).
    agent_id = auth.cached_agent(token) or await run_in_threadpool(auth.agent_for, token)
    if agent_id is None:
        raise ApiError(401, "unauthorized", "unknown or revoked agent token", BEARER_CHALLENGE)
    return agent_id


async def require_admin(request: Request) -> str:
    """FastAPI dependency: passes for a valid admin (operations) token, else 401."""
    token, auth = bearer(request), _authenticator(request)
    if not (auth.cached_admin(token) or await run_in_threadpool(auth.is_admin, token)):
        raise ApiError(401, "unauthorized", "unknown or revoked admin token", BEARER_CHALLENGE)
    return token_hash(token)
