"""What the routes share to defend the collector: the audit log, the failed-attempt
limits of enrolment and login, and `cut_off`, which ends an agent's access at once.

`cut_off` is called whenever an agent's token stops being valid (revoked, released, or
replaced by a new enrolment): it drops the token from the authentication cache and
closes the agent's reflector sessions, so neither outlives the change.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from agentprobe.collector.attempts import Attempts
from agentprobe.collector.auth import Authenticator
from agentprobe.collector.reflector import Reflector
from agentprobe.collector.store.audit import AuditLog


@dataclass
class Security:
    audit: AuditLog
    enroll_attempts: Attempts
    login_attempts: Attempts
    auth: Authenticator
    reflector: Reflector

    def cut_off(self, agent_id: str) -> None:
        self.auth.forget_agent(agent_id)
        self.reflector.close_agent(agent_id)


def security(request: Request) -> Security:
    found: Security = request.app.state.security
    return found


def client_address(request: Request) -> str:
    """The peer address of the connection (never a forwarded header: proxies are not
    trusted, so a client cannot pick its own rate-limit key)."""
    return request.client.host if request.client else "unknown"
