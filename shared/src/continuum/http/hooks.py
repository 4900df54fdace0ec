"""Points where whoever starts a service process may add behaviour; by default nothing is added and nothing runs.

`command_committed(environment)` is called by the Idempotency-Key middleware when a command has committed (a 2xx
answer is on its way) and before that answer is stored or sent. The fault-injection tests' launcher
(continuum-dev's failpoints, tests/reliability) sets it to crash the process there; a service never sets it.
"""

from __future__ import annotations

from collections.abc import Callable

from continuum.config import Environment

CommandCommitted = Callable[[Environment], None]

_command_committed: CommandCommitted | None = None


def on_command_committed(callback: CommandCommitted | None) -> None:
    """Call `callback(environment)` after each committed command from now on (None: nothing, the default)."""
    global _command_committed
    _command_committed = callback


def command_committed(environment: Environment) -> None:
    """The middleware's call: runs the callback if one was set."""
    if _command_committed is not None:
        _command_committed(environment)
