"""The baseline of scenario 1: a bare FastAPI + asyncpg endpoint inserting one row into a table shaped like
`events` (same columns, same unique constraints), with none of Continuum's machinery."""

from __future__ import annotations

import json
import os
import uuid
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import asyncpg
from fastapi import FastAPI, Request, Response

TABLE = """
CREATE TABLE IF NOT EXISTS baseline_events (
  global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
  stream_id uuid NOT NULL, stream_type text NOT NULL, version int NOT NULL, event_id uuid NOT NULL UNIQUE,
  event_type text NOT NULL, schema_version int NOT NULL, data jsonb NOT NULL, metadata jsonb NOT NULL,
  occurred_at timestamptz NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (stream_id, version))
"""
INSERT = """
INSERT INTO baseline_events (stream_id, stream_type, version, event_id, event_type, schema_version, data,
                             metadata, occurred_at)
VALUES ($1, 'Item', 1, $2, 'ItemCreated', 1, $3, '{}', $4)
"""


def app() -> FastAPI:
    """Factory for uvicorn: BASELINE_DSN names the database."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.pool = await asyncpg.create_pool(os.environ["BASELINE_DSN"], min_size=10, max_size=10)
        async with app.state.pool.acquire() as conn:
            await conn.execute(TABLE)
        yield
        await app.state.pool.close()

    api = FastAPI(lifespan=lifespan)

    @api.post("/items", status_code=201)
    async def create(request: Request, response: Response) -> dict:
        body = await request.json()
        stream_id = uuid.uuid4()
        async with request.app.state.pool.acquire() as conn:
            await conn.execute(INSERT, stream_id, uuid.uuid4(), json.dumps(body), datetime.now(UTC))
        response.headers["Location"] = f"/items/{stream_id}"
        return {"id": str(stream_id), **body}

    return api
