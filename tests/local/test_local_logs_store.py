"""The local server's log store: ordering, paging, bounded memory and subscriptions."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from render_sdk.local.logs import LogFilter, LogRecord, LogStore, Subscription

MOMENT = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def page_all(store: LogStore, log_filter: LogFilter, *, limit: int, backward: bool) -> list[str]:
    """Follow nextStartTime/nextEndTime the way the API's clients do; return the ids seen."""
    ids: list[str] = []
    current = log_filter
    while True:
        page = store.page(current, limit=limit, backward=backward)
        ids += [record.id for record in page.records]
        if not page.has_more:
            return ids
        current = LogFilter(run_ids=log_filter.run_ids, start=page.next_start, end=page.next_end)


def test_timestamps_strictly_increase_even_when_given_equal_or_earlier() -> None:
    store = LogStore()
    stamps = [
        store.append("trn-a", "x", timestamp=MOMENT).timestamp,
        store.append("trn-a", "y", timestamp=MOMENT).timestamp,
        store.append("trn-b", "z", timestamp=MOMENT - timedelta(hours=1)).timestamp,
        store.append("trn-a", "now").timestamp,
    ]
    assert stamps == sorted(set(stamps))
    assert stamps[1] - stamps[0] == timedelta(microseconds=1)


@pytest.mark.parametrize("backward", [False, True])
@pytest.mark.parametrize("by_run", [False, True])
def test_paging_thousands_of_same_moment_lines_sees_each_exactly_once(
    backward: bool, by_run: bool
) -> None:
    store = LogStore()
    for i in range(3000):
        store.append("trn-a" if i % 3 else "trn-b", f"line {i}", timestamp=MOMENT)
    log_filter = LogFilter(run_ids=frozenset({"trn-a"})) if by_run else LogFilter()
    expected = [r.id for r in store.for_run("trn-a") + ([] if by_run else store.for_run("trn-b"))]
    ids = page_all(store, log_filter, limit=37, backward=backward)

    assert len(ids) == len(set(ids)) == len(expected)
    assert set(ids) == set(expected)
    assert ids == sorted(ids, reverse=backward)


def test_page_bounds_exclude_the_lines_returned() -> None:
    store = LogStore()
    records = [store.append("trn-a", str(i), timestamp=MOMENT) for i in range(5)]
    forward = store.page(LogFilter(), limit=2, backward=False)
    backward = store.page(LogFilter(), limit=2, backward=True)

    assert [r.message for r in forward.records] == ["0", "1"]
    assert forward.has_more
    assert forward.next_start == records[1].timestamp + timedelta(microseconds=1)
    assert [r.message for r in backward.records] == ["4", "3"]
    assert backward.next_end == records[3].timestamp - timedelta(microseconds=1)


def test_filters_by_level_type_text_task_and_instance() -> None:
    store = LogStore()
    store.append("trn-a", "hello world", level="info", task="square", workflow_id="wfl-1")
    store.append("trn-a", "bad thing", level="error", task="square", workflow_id="wfl-1")
    store.append("trn-b", "hello there", type="build", task="add", labels={"instance": "i-1"})

    def messages(**kwargs: object) -> list[str]:
        page = store.page(LogFilter(**kwargs), limit=100, backward=False)  # type: ignore[arg-type]
        return [r.message for r in page.records]

    assert messages(levels=frozenset({"error"})) == ["bad thing"]
    assert messages(texts=("hello",)) == ["hello world", "hello there"]
    assert messages(types=frozenset({"build"})) == ["hello there"]
    assert messages(tasks=frozenset({"flow/add"})) == ["hello there"]
    assert messages(tasks=frozenset({"square"}), resources=frozenset({"wfl-1"})) == [
        "hello world",
        "bad thing",
    ]
    assert messages(instances=frozenset({"i-1"})) == ["hello there"]


def test_a_run_over_its_limit_drops_its_oldest_lines_behind_a_note() -> None:
    store = LogStore(max_lines_per_run=3, max_lines=100)
    for i in range(5):
        store.append("trn-a", f"a{i}")
    store.append("trn-b", "b0")

    kept = store.for_run("trn-a")
    assert [r.message for r in kept[1:]] == ["a2", "a3", "a4"]
    assert "2 earlier log lines of this run were dropped" in kept[0].message
    assert kept[0].level == "warning"
    assert kept[0].timestamp < kept[1].timestamp
    assert len(store) == 4
    listed = page_all(store, LogFilter(run_ids=frozenset({"trn-a"})), limit=2, backward=False)
    assert listed == [r.id for r in kept]


def test_the_store_over_its_overall_limit_drops_the_oldest_lines_of_any_run() -> None:
    store = LogStore(max_lines_per_run=100, max_lines=4)
    for i in range(3):
        store.append("trn-a", f"a{i}")
    for i in range(3):
        store.append("trn-b", f"b{i}")

    assert len(store) == 4
    assert [r.message for r in store.for_run("trn-a")][1:] == ["a2"]
    assert "2 earlier log lines" in store.for_run("trn-a")[0].message
    assert [r.message for r in store.for_run("trn-b")] == ["b0", "b1", "b2"]
    everything = store.page(LogFilter(), limit=100, backward=False).records
    assert [r.message for r in everything][1:] == ["a2", "b0", "b1", "b2"]


def test_memory_stays_bounded_under_a_flood() -> None:
    store = LogStore(max_lines_per_run=50, max_lines=120)
    for i in range(5000):
        store.append(f"trn-{i % 7}", f"line {i}")
    assert len(store) <= 120
    assert all(len(store.for_run(f"trn-{n}")) <= 51 for n in range(7))


def test_subscription_gets_backlog_then_live_lines_once_each_under_concurrent_writers() -> None:
    store = LogStore()
    for i in range(100):
        store.append("trn-a", f"early {i}")
    received: list[LogRecord] = []
    start = threading.Event()

    def writer(n: int) -> None:
        start.wait()
        for i in range(500):
            store.append("trn-a", f"w{n} {i}")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    start.set()
    subscription = Subscription(LogFilter(start=MOMENT), received.append, lambda: None)
    backlog = store.subscribe(subscription)
    for thread in threads:
        thread.join()
    store.unsubscribe(subscription)

    ids = [r.id for r in backlog + received]
    assert len(ids) == len(set(ids)) == len(store) == 2100
    assert ids == sorted(ids)


def test_disconnect_ends_every_subscription() -> None:
    store = LogStore()
    ended: list[str] = []
    for name in ("one", "two"):
        store.subscribe(Subscription(LogFilter(), lambda r: None, lambda n=name: ended.append(n)))
    assert store.disconnect_subscribers() == 2
    assert sorted(ended) == ["one", "two"]
    assert store.subscribers == 0


def test_limits_below_one_line_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 1 line"):
        LogStore(max_lines=0)
