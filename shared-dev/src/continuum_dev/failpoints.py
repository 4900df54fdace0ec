"""Failpoints for fault-injection tests: a process kills itself at a named point, never in production.

`CONTINUUM_FAILPOINT=kill-after-commit` makes a service SIGKILL itself right after a command with an
Idempotency-Key committed and before its response is stored or sent (tests/reliability proves a retry then has
one effect). Honoured only when the service's environment is development or test; production ignores it.

The runtime knows nothing of this: it offers a neutral hook (continuum.http.hooks), and only a process started
through this module's launcher has it set — `python -m continuum_dev.failpoints <uvicorn arguments>` installs
the failpoints, then runs uvicorn as `python -m uvicorn` would.
"""

from __future__ import annotations

import logging
import os
import signal

from continuum.config import Environment
from continuum.http import hooks

VARIABLE = "CONTINUUM_FAILPOINT"
KILL_AFTER_COMMIT = "kill-after-commit"

log = logging.getLogger(__name__)
_refused: set[str] = set()


def armed(name: str, *, environment: Environment) -> bool:
    """Whether the failpoint `name` is set in the process environment and may fire here."""
    if os.environ.get(VARIABLE) != name:
        return False
    if environment is Environment.production:
        if name not in _refused:  # once: the variable is a mistake in production, not worth a line per request
            _refused.add(name)
            log.warning("%s=%s ignored: failpoints never fire in production", VARIABLE, name)
        return False
    return True


def kill_here(name: str, *, environment: Environment) -> None:
    """SIGKILL this process if the failpoint `name` is armed: no cleanup, no response, as a crash would."""
    if armed(name, environment=environment):
        log.critical("failpoint %s: killing process %d", name, os.getpid())
        os.kill(os.getpid(), signal.SIGKILL)


def install() -> None:
    """Give the runtime's hooks their failpoints (each still fires only when armed)."""
    hooks.on_command_committed(lambda environment: kill_here(KILL_AFTER_COMMIT, environment=environment))


if __name__ == "__main__":
    import uvicorn

    install()
    uvicorn.main()
