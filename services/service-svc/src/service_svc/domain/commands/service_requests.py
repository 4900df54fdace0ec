"""Commands on a service request: submit, fulfil, cancel it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True)
class SubmitRequest:
    service_id: UUID
    title: str
    requested_by: str
    at: datetime


@dataclass(frozen=True)
class FulfilRequest:
    request_id: UUID
    at: datetime


@dataclass(frozen=True)
class CancelRequest:
    request_id: UUID
    reason: str
    at: datetime
