"""The consumer's fetch size: larger while behind (full fetches), back to `max_batch` once caught up."""

from continuum.consumer.runtime import BACKLOG_GROWTH, _next_limit


def test_fetches_grow_while_they_come_full_and_shrink_once_one_is_not():
    limit, seen = 500, []
    for _ in range(8):
        limit = _next_limit(limit, limit, 500)  # each fetch brought all it asked for: a backlog
        seen.append(limit)
    assert seen[:4] == [1000, 2000, 4000, 8000]
    assert max(seen) == 500 * BACKLOG_GROWTH
    assert _next_limit(8000, 7999, 500) == 500  # not full: caught up


def test_a_consumer_without_growth_keeps_its_fetches_at_max_batch():
    assert [_next_limit(500, 500, 500, growth=1) for _ in range(3)] == [500, 500, 500]
    assert _next_limit(500, 500, 500, growth=4) == 1000 and _next_limit(2000, 2000, 500, growth=4) == 2000
