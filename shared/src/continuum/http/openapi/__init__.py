"""The OpenAPI document true to the wire, for every service: what FastAPI generates, then corrected in one place.

- Every error answer is `application/problem+json` with the `Problem` schema (FastAPI puts a response
  `model` under `application/json`, which the server never sends for an error, and documents 422 as its own
  `HTTPValidationError`, which it never sends either).
- A request body can be unparsable: 400.
- Every POST takes an optional `Idempotency-Key` (the middleware's rule: 1–255 visible ASCII characters).
- An optional query or header parameter is documented as its value's type, not as nullable.
- A creation (201) answers with `Location` and `ETag`; an answer about one aggregate carries its `ETag`, and a
  read that does takes `If-None-Match` (304).
- Every operation is named by one rule (`operation_id`, FastAPI's `generate_unique_id_function`), and its summary
  is that name read as a sentence (`summary_of`): `list_incidents` "List incidents", `get_incident` "Get an
  incident", `acknowledge_incident` "Acknowledge an incident", `get_incident_history` "Get incident history".
"""

from __future__ import annotations

from continuum.http.openapi.contract import install_openapi_contract
from continuum.http.openapi.corrections import corrected
from continuum.http.openapi.headers import (BODY_METHODS, ETAG, FASTAPI_VALIDATION, IDEMPOTENCY_KEY, IF_NONE_MATCH,
                                            LOCATION, PROBLEM_REF)
from continuum.http.openapi.operation_ids import OPERATION_ID, operation_id, operation_id_of_path
from continuum.http.openapi.summaries import named, summary_of
from continuum.http.openapi.words import singular

__all__ = [
    "BODY_METHODS",
    "ETAG",
    "FASTAPI_VALIDATION",
    "IDEMPOTENCY_KEY",
    "IF_NONE_MATCH",
    "LOCATION",
    "OPERATION_ID",
    "PROBLEM_REF",
    "corrected",
    "install_openapi_contract",
    "named",
    "operation_id",
    "operation_id_of_path",
    "singular",
    "summary_of",
]
