"""The reliability package's own system (PostgreSQL, Kafka, four services) and its load profile.

`make test` runs the short profile; `make soak` (RELIABILITY_SOAK=1) the long one: more clients, longer and
repeated faults.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from continuum_dev.testing.plugin import TEST_STATE_DIR, remove_detached
from tests.reliability.ledger import Clients
from tests.reliability.profile import PROFILE, Profile
from tests.reliability.stack import FaultyStack


@pytest.fixture(scope="package")
def profile() -> Profile:
    return PROFILE


@pytest.fixture(scope="package")
def faulty_stack(auth_settings, issue_token) -> Iterator[FaultyStack]:
    """A system of its own: the faults below never reach the session's PostgreSQL and Kafka."""
    state_dir = TEST_STATE_DIR / f"reliability-{uuid.uuid4().hex[:8]}"
    state_dir.mkdir(parents=True, exist_ok=True)
    issue_token("viewer")  # creates the signing key before four services race to read it
    stack = FaultyStack(state_dir=state_dir, signing_key=auth_settings.dev_signing_key_path)
    stack.reader_headers = {"Authorization": f"Bearer {issue_token('viewer', subject='reliability-checker')}"}
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
        if not os.environ.get("RELIABILITY_KEEP_STATE"):  # set it to read the services' logs after a failure
            remove_detached(state_dir)


@pytest_asyncio.fixture(scope="package", loop_scope="session")
async def clients(faulty_stack: FaultyStack, issue_token) -> AsyncIterator[Clients]:
    clients = Clients({name: service.url for name, service in faulty_stack.services.items()}, issue_token)
    yield clients
    await clients.aclose()
