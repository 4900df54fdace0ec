"""What every list takes besides its own filters (docs/api-conventions.md): `q`, a case-insensitive search in
titles; `opened_after` / `opened_before`, bounds on the business time the item was opened (its first event:
an incident opened, a project proposed); `sort` by that time; and cursor paging that stays stable under each sort."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Query

from continuum.eventstore.summaries import ListQuery, Sort, SummaryPage, summary_page
from continuum.http.dates import BusinessDateTime
from continuum.http.pagination import decode_cursor, encode_cursor, foreign_cursor


def list_query(
    q: Annotated[str | None, Query(min_length=1, max_length=200, pattern=r"^[^\x00]+$", examples=["disk"],
                                   description="Case-insensitive search in titles.")] = None,
    opened_after: Annotated[BusinessDateTime | None, Query(
        description="Only items opened at or after this business time (RFC 3339 with an offset).")] = None,
    opened_before: Annotated[BusinessDateTime | None, Query(
        description="Only items opened before this business time.")] = None,
    sort: Annotated[Sort, Query(description="`created` (the default: the order items were recorded), "
                                            "`opened_at` (oldest first) or `-opened_at` (newest first).")] = "created",
) -> ListQuery:
    """The search, opening-time filters and sort of a list route's query string (the `Listing` dependency)."""
    return ListQuery(text=q, opened_after=opened_after, opened_before=opened_before, sort=sort)


Listing = Annotated[ListQuery, Depends(list_query)]


async def listed_page(engine: Any, *, stream_type: str, filters: dict[str, Any], listing: ListQuery, limit: int,
                      cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """One page of summaries and the cursor of the next; a cursor made under another sort is refused (422)."""
    position = decode_cursor(cursor) or {}
    if cursor is not None and position.get("sort", "created") != listing.sort:
        raise foreign_cursor()
    at = position.get("at")
    if at is not None:
        try:
            datetime.fromisoformat(at)
        except (TypeError, ValueError):
            raise foreign_cursor() from None
    page: SummaryPage = await summary_page(engine, stream_type=stream_type, filters=filters, limit=limit,
                                           after=position.get("after", 0), query=listing, at=at)
    if page.next_position is None:
        return page.items, None
    return page.items, encode_cursor({**page.next_position, "sort": listing.sort})
