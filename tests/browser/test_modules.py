"""The dashboard's pure JavaScript modules, run in the browser: the SSE parser and formatting."""

from __future__ import annotations

import json
from typing import Any

from tests.browser.conftest import Dashboard


def feed(dashboard: Dashboard, chunks: list[str]) -> dict[str, Any]:
    """Feed chunks to a fresh SSEParser; returns its events, last id and retry."""
    page = dashboard.open("/")
    result: dict[str, Any] = page.evaluate(
        """async (chunks) => {
            const { SSEParser } = await import('/dashboard/sse.js');
            const parser = new SSEParser();
            const events = chunks.flatMap((chunk) => parser.feed(chunk));
            return { events, lastEventId: parser.lastEventId, retry: parser.retry,
                     comments: parser.comments, buffered: parser.buffer };
        }""",
        chunks,
    )
    return result


def test_sse_parser_reads_named_events_with_ids_retry_and_comments(dashboard: Dashboard) -> None:
    result = feed(
        dashboard,
        [
            "retry: 1000\n\n: ping\n\n",
            'id: 7\nevent: task.completed\ndata: {"id":"trn-1"}\n\n',
            "data: plain\n\n",
        ],
    )
    assert result["events"] == [
        {"event": "task.completed", "data": '{"id":"trn-1"}', "id": "7"},
        {"event": "message", "data": "plain", "id": "7"},
    ]
    assert result["retry"] == 1000
    assert result["comments"] == 1


def test_sse_parser_joins_chunks_split_anywhere_including_inside_crlf(
    dashboard: Dashboard,
) -> None:
    text = (
        'event: task.running\r\ndata: {"a":\r\ndata: 1}\r\n\r\n'
        "event: task.completed\r\ndata: x\r\n\r\n"
    )
    page = dashboard.open("/")
    # Every split point (including between the CR and the LF of a CRLF), and one char at a time.
    outcomes = page.evaluate(
        """async (text) => {
            const { SSEParser } = await import('/dashboard/sse.js');
            const run = (chunks) => {
                const parser = new SSEParser();
                return JSON.stringify(chunks.flatMap((chunk) => parser.feed(chunk)));
            };
            const results = new Set();
            for (let cut = 1; cut < text.length; cut++) {
                results.add(run([text.slice(0, cut), text.slice(cut)]));
            }
            results.add(run([...text]));
            return [...results];
        }""",
        text,
    )
    assert [json.loads(outcome) for outcome in outcomes] == [
        [
            {"event": "task.running", "data": '{"a":\n1}', "id": ""},
            {"event": "task.completed", "data": "x", "id": ""},
        ]
    ]


def test_sse_parser_handles_bare_cr_missing_space_and_events_without_data(
    dashboard: Dashboard,
) -> None:
    result = feed(
        dashboard, ["event:task.pending\rdata:x\r\r", "event: nothing\n\n", "data: partial"]
    )
    assert result["events"] == [{"event": "task.pending", "data": "x", "id": ""}]
    assert result["buffered"] == "data: partial"  # held until its line ends


def test_task_input_check_accepts_arrays_and_objects_only(dashboard: Dashboard) -> None:
    page = dashboard.open("/")
    results = page.evaluate(
        """async () => {
            const { parseTaskInput } = await import('/dashboard/format.js');
            return ['[1, 2]', '{"a": 1}', '[]', '1', '"s"', 'null', '{', ''].map(
                (text) => parseTaskInput(text));
        }"""
    )
    assert [r["ok"] for r in results] == [True, True, True, False, False, False, False, False]
    assert results[0]["pretty"] == "[\n  1,\n  2\n]"
    assert results[1]["value"] == {"a": 1}
    assert results[3]["message"].endswith("not a number. For one argument, wrap it: [1].")
    assert results[6]["message"].startswith("Input is not valid JSON: ")


def test_durations_and_relative_times_read_naturally(dashboard: Dashboard) -> None:
    page = dashboard.open("/")
    texts = page.evaluate(
        """async () => {
            const f = await import('/dashboard/format.js');
            const now = Date.parse('2025-01-01T12:00:00Z');
            const ago = (iso) => f.relativeTime(iso, now);
            return [
                f.formatDuration(850), f.formatDuration(12345), f.formatDuration(245000),
                f.formatDuration(7380000), f.formatDuration(null),
                ago('2025-01-01T11:59:58Z'), ago('2025-01-01T11:59:18Z'),
                ago('2025-01-01T11:55:00Z'), ago('2025-01-01T09:00:00Z'),
                ago('2024-12-29T12:00:00Z'), ago('2025-01-01T12:00:30Z'),
                f.elapsed('2025-01-01T11:59:00Z', null, now),
                f.elapsed('2025-01-01T11:59:00Z', '2025-01-01T11:59:01.5Z', now),
                f.statusLabel('completed'), f.isTerminal('completed'), f.isTerminal('paused'),
            ];
        }"""
    )
    assert texts == [
        "850 ms", "12.3 s", "4 min 05 s", "2 h 03 min", "—",
        "just now", "42 s ago", "5 min ago", "3 h ago", "3 d ago", "in 30 s",
        60000, 1500, "succeeded", True, False,
    ]  # fmt: skip


def test_retry_after_is_read_as_seconds_or_a_date_and_capped(dashboard: Dashboard) -> None:
    page = dashboard.open("/")
    waits = page.evaluate(
        """async () => {
            const { retryAfterMs } = await import('/dashboard/api.js');
            const inFiveSeconds = new Date(Date.now() + 5000).toUTCString();
            return [retryAfterMs('2'), retryAfterMs('0.25'), retryAfterMs('3600'),
                    retryAfterMs(null, 1), retryAfterMs('soon', 3), retryAfterMs(inFiveSeconds)];
        }"""
    )
    assert waits[:5] == [2000, 250, 10000, 500, 2000]
    assert 3000 < waits[5] <= 5000  # an HTTP date has whole seconds
