"""What an Idempotency-Key keeps: the request's outcome, never an answer whose problem asks for a retry."""

import json

from continuum.idempotency import is_final_outcome


def problem(status: int, kind: str, **extra) -> bytes:
    return json.dumps({"type": f"urn:continuum:problem:{kind}", "status": status, **extra}).encode()


def test_a_reference_not_known_yet_is_retried_with_the_same_key():
    body = problem(422, "unknown-reference", rule="target-services-known")
    assert not is_final_outcome(status=422, headers={}, body=body)


def test_a_validation_error_and_a_rule_refusal_are_outcomes():
    assert is_final_outcome(status=422, headers={}, body=problem(422, "validation-error"))
    assert is_final_outcome(status=409, headers={}, body=problem(409, "rule-violated", rule="time-in-order"))
    assert not is_final_outcome(status=409, headers={}, body=problem(409, "rule-violated", rule="optimistic-concurrency"))
