"""The ledger driver: bounded load over HTTP across the services, remembering every command that got a 2xx.

Each acknowledged command is written down with what must follow from it: the stream it changed, the event it
recorded, and (for the commands metrics-svc counts) the fact that event becomes there. `checks.py` then looks
for every one of them in the owning store, on Kafka and in metrics-svc.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import httpx


@dataclass(frozen=True)
class Acknowledged:
    """A command answered 2xx: its event must exist once in `service`'s store, on Kafka and in metrics-svc."""

    service: str
    stream_id: UUID
    event_type: str
    fact: str
    """The metrics-svc fact table the event lands in (`incidents`, `operating_costs`, `projects`, `handovers`)."""
    status: int
    tag: str | None = None
    """A text the command put into its event's data, telling it from the stream's other events of its type."""
    service_id: UUID | None = None
    """The catalog service an incident or operating cost belongs to (for the per-service counts)."""


@dataclass
class Ledger:
    acknowledged: list[Acknowledged] = field(default_factory=list)
    sent: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    """Answers that were not 2xx or no answer at all, by status or exception name (but `not_yet_known`)."""
    not_yet_known: int = 0
    """422 unknown-reference answers: a reference the receiving service has not learned from Kafka yet (a project
    proposed a moment ago, or during a Kafka outage). Nothing was stored; the client tries again later, as the
    problem says (docs/security.md, "References"), so they are not refusals."""
    server_errors: list[str] = field(default_factory=list)
    """Every 5xx that is not a 503 problem document, and every 503 that is not one: these fail the scenarios."""

    def record_failure(self, what: str, response: httpx.Response | None, error: Exception | None) -> None:
        if error is not None:
            self.refused[type(error).__name__] += 1
            return
        self.refused[str(response.status_code)] += 1
        problem = response.headers.get("content-type", "").startswith("application/problem+json")
        if response.status_code >= 500 and not (response.status_code == 503 and problem):
            self.server_errors.append(f"{what} → {response.status_code} {response.text[:300]}")


def not_yet_known(response: httpx.Response) -> bool:
    """A 422 unknown-reference: the id exists, the receiving service has not learned it from Kafka yet."""
    if response.status_code != 422:
        return False
    try:
        return str(response.json().get("type", "")).endswith("unknown-reference")
    except ValueError:
        return False


class Clients:
    """One HTTP client per service and the tokens the driver acts with."""

    subject = "reliability-driver"
    """The token's `sub`: the owner the driver registers its services with (docs/security.md, service-svc)."""

    def __init__(self, urls: dict[str, str], issue_token: Callable[..., str]) -> None:
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=16)
        self.http = {name: httpx.AsyncClient(base_url=url, timeout=15, limits=limits) for name, url in urls.items()}
        token = issue_token("integration", "support_agent", "service_owner", "project_manager", subject=self.subject)
        self.headers = {"Authorization": f"Bearer {token}"}

    async def post(self, service: str, path: str, body: dict[str, Any], *, key: str | None = None) -> httpx.Response:
        headers = {**self.headers, "Idempotency-Key": key or str(uuid4())}
        return await self.http[service].post(path, json=body, headers=headers)

    async def aclose(self) -> None:
        await asyncio.gather(*(client.aclose() for client in self.http.values()))


@dataclass
class Worker:
    """One of the driver's concurrent clients; it owns its catalog services, so its commands never race.

    A service has one handover awaiting acceptance per project (handover-svc's
    `one-open-handover-per-project-and-service`), so each (project, service) pair is handed over once:
    `handover_slots` holds the pairs not handed over yet — the projects this worker proposed, each with the
    service it targets (a project handover-svc may not know yet: its 422 puts the pair back for later).
    """

    clients: Clients
    ledger: Ledger
    services: list[UUID]
    rng: random.Random
    handover_slots: deque[tuple[UUID, UUID]] = field(default_factory=deque)

    async def send(self, what: str, service: str, path: str, body: dict[str, Any],
                   acknowledge: Callable[[httpx.Response], Acknowledged],
                   not_known_yet: Callable[[], None] | None = None) -> bool:
        """Send one command; True if it was acknowledged. With `not_known_yet`, a 422 unknown-reference calls it
        and counts as not yet known instead of refused."""
        self.ledger.sent += 1
        try:
            response = await self.clients.post(service, path, body)
        except httpx.HTTPError as error:  # the process was killed mid-request, or is not back yet
            self.ledger.record_failure(what, None, error)
            return False
        if 200 <= response.status_code < 300:
            self.ledger.acknowledged.append(acknowledge(response))
            return True
        if not_known_yet is not None and not_yet_known(response):
            self.ledger.not_yet_known += 1
            not_known_yet()
            return False
        self.ledger.record_failure(what, response, None)
        return False

    async def open_incident(self) -> bool:
        service_id = self.rng.choice(self.services)
        body = {"service_id": str(service_id), "priority": self.rng.choice(["P2", "P3", "P4"]),
                "category": f"cat-{uuid4().hex[:8]}", "title": "reliability driver", "outage": False}
        return await self.send("POST /incidents", "service-svc", "/incidents", body, lambda r: Acknowledged(
            "service-svc", UUID(r.json()["id"]), "IncidentOpened", "incidents", r.status_code, service_id=service_id))

    async def record_operating_cost(self) -> bool:
        service_id = self.rng.choice(self.services)
        tag = f"cost-{uuid4().hex[:12]}"
        body = {"amount": f"{self.rng.randint(1, 9999)}.00", "incurred_on": datetime.now(UTC).isoformat(),
                "category": tag}
        return await self.send("POST /services/{id}/record-operating-cost", "service-svc",
                        f"/services/{service_id}/record-operating-cost", body, lambda r: Acknowledged(
                            "service-svc", service_id, "OperatingCostRecorded", "operating_costs", r.status_code,
                            tag=tag, service_id=service_id))

    async def propose_project(self) -> bool:
        service_id = self.rng.choice(self.services)
        body = {"title": "Reliability driver project", "problem_statement": "load", "business_case": "ledger",
                "target_service_ids": [str(service_id)]}

        def acknowledged(response: httpx.Response) -> Acknowledged:
            project_id = UUID(response.json()["id"])
            self.handover_slots.append((project_id, service_id))
            return Acknowledged("project-svc", project_id, "ProjectProposed", "projects", response.status_code)

        return await self.send("POST /projects", "project-svc", "/projects", body, acknowledged)

    async def open_handover(self) -> bool:
        """Hand over the oldest (project, service) pair not handed over yet; none left: nothing is sent."""
        if not self.handover_slots:
            return False
        project_id, service_id = slot = self.handover_slots.popleft()
        body = {"service_id": str(service_id), "project_id": str(project_id)}
        return await self.send("POST /handovers", "handover-svc", "/handovers", body, lambda r: Acknowledged(
            "handover-svc", UUID(r.json()["id"]), "HandoverOpened", "handovers", r.status_code),
            not_known_yet=lambda: self.handover_slots.append(slot))


MIX: list[tuple[Callable[[Worker], Awaitable[bool]], int]] = [
    (Worker.open_incident, 5), (Worker.record_operating_cost, 2), (Worker.propose_project, 2),
    (Worker.open_handover, 1),
]


@dataclass
class LoadDriver:
    """`workers` concurrent clients, each sending one command at a time with `pause_s` between them."""

    clients: Clients
    workers: int = 6
    services_per_worker: int = 3
    pause_s: float = 0.02
    backoff_s: float = 0.25
    seed: int = 8
    known_within_s: float = 60
    """How long project-svc and handover-svc may take to learn the services just registered (from Kafka)."""
    ledger: Ledger = field(default_factory=Ledger)
    _workers: list[Worker] = field(default_factory=list)

    async def prepare(self) -> None:
        """Register each worker's catalog services, owned by the driver's subject, and wait until project-svc
        and handover-svc know them (before any fault: the scenarios need them). The waiting is done with
        commands outside the ledger: a project per worker for all its services (its pairs become the worker's
        first handover slots) and a handover of each service without a project."""
        rng = random.Random(self.seed)
        for _ in range(self.workers):
            services = [await self._register_service() for _ in range(self.services_per_worker)]
            self._workers.append(Worker(self.clients, self.ledger, services, random.Random(rng.random())))
        for worker in self._workers:
            body = {"title": "Reliability driver catalog", "problem_statement": "the driver's services are known",
                    "business_case": "ledger", "target_service_ids": [str(s) for s in worker.services]}
            project_id = UUID((await self._once_known("project-svc", "/projects", body)).json()["id"])
            worker.handover_slots.extend((project_id, service_id) for service_id in worker.services)
            for service_id in worker.services:
                await self._once_known("handover-svc", "/handovers", {"service_id": str(service_id)})

    async def _register_service(self) -> UUID:
        body = {"name": f"reliability-{uuid4().hex[:8]}", "description": "driven by tests/reliability",
                "owner": self.clients.subject, "demanded_by": "the ledger", "expected_volume": "load"}
        response = await self.clients.post("service-svc", "/services", body)
        assert response.status_code == 201, response.text
        return UUID(response.json()["id"])

    async def _once_known(self, service: str, path: str, body: dict[str, Any]) -> httpx.Response:
        """POST until it is not a 422 unknown-reference (a reference just created takes a moment to be known).
        Each try has its own Idempotency-Key: that 422 is kept under the key it answered."""
        deadline = time.monotonic() + self.known_within_s
        while True:
            response = await self.clients.post(service, path, body)
            if not not_yet_known(response):
                break
            assert time.monotonic() < deadline, f"{service} did not learn {body} within {self.known_within_s}s"
            await asyncio.sleep(0.2)
        assert response.status_code == 201, response.text
        return response

    async def run(self, stop: asyncio.Event) -> None:
        """Send commands until `stop` is set."""
        await asyncio.gather(*(self._loop(worker, stop) for worker in self._workers))

    async def _loop(self, worker: Worker, stop: asyncio.Event) -> None:
        commands, weights = zip(*MIX)
        while not stop.is_set():
            acknowledged = await worker.rng.choices(commands, weights)[0](worker)
            await asyncio.sleep(self.pause_s if acknowledged else self.backoff_s)  # as a client would back off


class Load:
    """`async with Load(driver):` runs the driver in the background for the block's duration."""

    def __init__(self, driver: LoadDriver) -> None:
        self.driver = driver
        self.stop = asyncio.Event()
        self.task: asyncio.Task | None = None
        self.started = 0.0

    async def __aenter__(self) -> Load:
        self.started = time.monotonic()
        self.task = asyncio.create_task(self.driver.run(self.stop))
        return self

    async def __aexit__(self, *exc_info) -> None:
        self.stop.set()
        await self.task
