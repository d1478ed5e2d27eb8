"""Enrol secrets, agent tokens, admin tokens and dashboard sessions, stored only as hashes.

The enrolment model is osquery/Fleet's: an operator creates an enrol secret and puts it
in the agents' config; each agent trades it once for its own token, which the collector
can revoke alone. Enrolling an agent_id again replaces its token (a reinstalled PC), so
the old token stops working at once.
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from agentprobe.collector.auth import new_token, token_hash
from agentprobe.collector.store.schema import admin_tokens, agents, enroll_secrets, sessions

SESSION_SECONDS = 12 * 3600


class EnrollError(ValueError):
    """The enrol secret is unknown or revoked."""


class EnrollConflict(ValueError):
    """The agent_id is enrolled (or revoked) and has not been released by an operator."""


class Credentials:
    """The credential tables of one database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create_secret(self) -> str:
        secret = new_token("ape_")
        self._insert(enroll_secrets, secret)
        return secret

    def create_admin_token(self) -> str:
        token = new_token("apo_")
        self._insert(admin_tokens, token)
        return token

    def _insert(self, table: sa.Table, credential: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                sa.insert(table).values(sha256=token_hash(credential), created_ts=time.time())
            )

    def revoke_secret(self, secret: str) -> bool:
        return self._revoke(enroll_secrets, enroll_secrets.c.sha256 == token_hash(secret))

    def revoke_admin_token(self, token: str) -> bool:
        with self.engine.begin() as connection:
            connection.execute(
                sa.delete(sessions).where(sessions.c.admin_token_sha256 == token_hash(token))
            )
        return self._revoke(admin_tokens, admin_tokens.c.sha256 == token_hash(token))

    def revoke_agent(self, agent_id: str) -> bool:
        return self._revoke(agents, agents.c.agent_id == agent_id)

    def _revoke(self, table: sa.Table, where: sa.ColumnElement[bool]) -> bool:
        with self.engine.begin() as connection:
            done = connection.execute(
                sa.update(table)
                .where(where, table.c.revoked_ts.is_(None))
                .values(revoked_ts=time.time())
            )
        return done.rowcount > 0

    def release_agent(self, agent_id: str) -> bool:
        """Free an agent_id for a new enrolment and end its token; False if unknown."""
        now = time.time()
        with self.engine.begin() as connection:
            done = connection.execute(
                sa.update(agents)
                .where(agents.c.agent_id == agent_id)
                .values(
                    token_sha256=None,
                    released_ts=now,
                    revoked_ts=sa.func.coalesce(agents.c.revoked_ts, now),
                )
            )
        return done.rowcount > 0

    def enroll(self, secret: str, agent_id: str, host: str) -> str:
        """A new token for agent_id in exchange for a valid enrol secret.

        EnrollError for a bad secret (checked first, so the answer says nothing about ids
        to someone without it), EnrollConflict for an id that is taken and not released.
        """
        token = new_token("apa_")
        values = {"host": host, "token_sha256": token_hash(token), "enrolled_ts": time.time()}
        try:
            with self.engine.begin() as connection:
                values["secret_id"] = self._secret_id(connection, secret)
                row = connection.execute(
                    sa.select(agents.c.released_ts).where(agents.c.agent_id == agent_id)
                ).first()
                if row is None:
                    connection.execute(sa.insert(agents).values(agent_id=agent_id, **values))
                elif row.released_ts is not None:
                    connection.execute(
                        sa.update(agents)
                        .where(agents.c.agent_id == agent_id)
                        .values(**values, revoked_ts=None, released_ts=None)
                    )
                else:
                    raise EnrollConflict(
                        f"agent id {agent_id!r} is already enrolled (or revoked); an operator "
                        f"must release it first (agentprobe collector agent release)"
                    )
        except sa.exc.IntegrityError:  # a concurrent enrolment of the same new id won
            raise EnrollConflict(f"agent id {agent_id!r} is already enrolled") from None
        return token

    def _secret_id(self, connection: sa.Connection, secret: str) -> int:
        secret_id = connection.execute(
            sa.select(enroll_secrets.c.id).where(
                enroll_secrets.c.sha256 == token_hash(secret),
                enroll_secrets.c.revoked_ts.is_(None),
            )
        ).scalar()
        if secret_id is None:
            raise EnrollError("unknown or revoked enrol secret")
        return int(secret_id)

    def agent_for_token(self, token_sha256: str) -> str | None:
        with self.engine.connect() as connection:
            agent_id = connection.execute(
                sa.select(agents.c.agent_id).where(
                    agents.c.token_sha256 == token_sha256, agents.c.revoked_ts.is_(None)
                )
            ).scalar()
        return None if agent_id is None else str(agent_id)

    def admin_token_valid(self, token_sha256: str) -> bool:
        with self.engine.connect() as connection:
            found = connection.execute(
                sa.select(admin_tokens.c.id).where(
                    admin_tokens.c.sha256 == token_sha256, admin_tokens.c.revoked_ts.is_(None)
                )
            ).first()
        return found is not None

    def open_session(self, admin_token: str) -> str | None:
        """A dashboard session for a valid admin token (the cookie value), else None."""
        if not self.admin_token_valid(token_hash(admin_token)):
            return None
        session = new_token("apd_")
        with self.engine.begin() as connection:
            connection.execute(sa.delete(sessions).where(sessions.c.expires_ts < time.time()))
            connection.execute(
                sa.insert(sessions).values(
                    sha256=token_hash(session),
                    admin_token_sha256=token_hash(admin_token),
                    expires_ts=time.time() + SESSION_SECONDS,
                )
            )
        return session

    def session_valid(self, session: str) -> bool:
        with self.engine.connect() as connection:
            found = connection.execute(
                sa.select(sessions.c.sha256)
                .join(admin_tokens, admin_tokens.c.sha256 == sessions.c.admin_token_sha256)
                .where(
                    sessions.c.sha256 == token_hash(session),
                    sessions.c.expires_ts > time.time(),
                    admin_tokens.c.revoked_ts.is_(None),
                )
            ).first()
        return found is not None

    def close_session(self, session: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(sa.delete(sessions).where(sessions.c.sha256 == token_hash(session)))
