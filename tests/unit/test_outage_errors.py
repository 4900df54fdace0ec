"""Which database errors are an outage (503) rather than a bug (500) or bad input (422)."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy.exc import DBAPIError

from continuum.http.problems import is_unavailable


def database_error(cause: Exception) -> DBAPIError:
    """What SQLAlchemy's asyncpg dialect raises: a DBAPIError over an adapter error caused by asyncpg's."""
    adapted = Exception(str(cause))
    adapted.__cause__ = cause
    return DBAPIError("SELECT 1", None, adapted)


@pytest.mark.parametrize("cause", [
    asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),  # 57P03, seen in a restart
    asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"),  # 57P01
    asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"),  # 08003
    asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"),  # 53300
])
def test_the_database_going_away_is_an_outage(cause):
    assert is_unavailable(database_error(cause))


@pytest.mark.parametrize("cause", [
    asyncpg.exceptions.NumericValueOutOfRangeError("out of range"),  # 22003: bad input, a 422
    asyncpg.exceptions.UndefinedTableError("relation does not exist"),  # 42P01: a bug, a 500
])
def test_other_database_errors_are_not(cause):
    assert not is_unavailable(database_error(cause))


def test_refused_connections_and_timeouts_are_outages():
    assert is_unavailable(ConnectionRefusedError(111, "refused")) and is_unavailable(TimeoutError())
    assert not is_unavailable(ValueError("bug"))
