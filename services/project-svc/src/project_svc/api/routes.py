"""HTTP routes of project-svc (thin: DTO → command → bus → response); the domain's routes come with its issue."""

from __future__ import annotations

from fastapi import APIRouter


def router() -> APIRouter:
    return APIRouter()
