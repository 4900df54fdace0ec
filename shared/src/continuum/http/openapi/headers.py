"""The parameters and response headers the corrected document declares: `Idempotency-Key` (every POST),
`If-None-Match` (a read with an ETag), `ETag` and `Location`; and the references to the `Problem` schema and to
FastAPI's own validation schemas."""

from __future__ import annotations

PROBLEM_REF = "#/components/schemas/Problem"
FASTAPI_VALIDATION = ("#/components/schemas/HTTPValidationError", "#/components/schemas/ValidationError")
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": "Makes a POST safe to retry: a retry with the same key and body gets the first answer back "
                   "(kept for the retention window); the same key with another body is refused (422).",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7E]+$"},
}
ETAG = {"description": "The aggregate's version (a strong entity tag, e.g. `\"3\"`), for `If-Match`.",
        "schema": {"type": "string"}}
IF_NONE_MATCH = {
    "name": "If-None-Match", "in": "header", "required": False,
    "description": "ETags already held (e.g. `\"3\"`, a list, or `*`): when one matches the current ETag (weak "
                   "comparison), the answer is 304 with no body.",
    "schema": {"type": "string"},
}
LOCATION = {"description": "The created resource.", "schema": {"type": "string"}}
BODY_METHODS = {"post", "put", "patch"}
