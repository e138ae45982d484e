"""Logs figures: how soon a printed line reaches a follower, and paging through 10,000 lines.

``python benchmarks/logs.py`` (needs the ``server`` and ``websocket`` extras) starts one
local server in this process and measures, side by side and alternating round by round:

* latency: a task prints a line carrying ``time.perf_counter()``; a follower
  (``client.workflows.task_run_logs(run_id, follow=True)``) notes when it arrives. The
  WebSocket follower is compared with the polling follower (the same code with the
  ``websockets`` library hidden), which is what a client without the extra gets.
* listing: a run prints 10,000 lines; ``client.logs.list(task_run=..., limit=100)`` pages
  through them in both directions, and every line must come back exactly once. The
  baseline is a bare ``requests`` loop over the same pages (the SDK's overhead ratio).

Prints medians; the goals are a median latency of at most 100 ms and exactly-once paging.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import time
from collections.abc import Iterator
from typing import Any

import requests

from render_sdk import Client, PollSchedule
from render_sdk.local import LocalServer, Workflow, serve

bench = Workflow("logbench")


@bench.task
def ticker(lines: int, gap: float, delay: float) -> int:
    """After ``delay`` seconds, prints ``tick <perf_counter>`` every ``gap`` seconds."""
    time.sleep(delay)
    for _ in range(lines):
        print(f"tick {time.perf_counter():.9f}")
        time.sleep(gap)
    return lines


@bench.task
def flood(lines: int) -> int:
    """Prints ``lines`` lines as fast as it can."""
    for i in range(lines):
        print(f"line {i}")
    return lines


@contextlib.contextmanager
def websockets_hidden() -> Iterator[None]:
    """The follower's view of a machine without the ``websocket`` extra."""
    saved = sys.modules.get("websockets")
    sys.modules["websockets"] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if saved is not None:
            sys.modules["websockets"] = saved
        else:
            del sys.modules["websockets"]


def latencies(client: Client, lines: int, gap: float) -> list[float]:
    """Milliseconds from each ``print`` to the follower receiving the line."""
    run = client.workflows.start_task("logbench/ticker", [lines, gap, 0.3])
    found = []
    for entry in client.workflows.task_run_logs(run.id, follow=True, timeout=60):
        arrived = time.perf_counter()
        found.append((arrived - float(entry.message.split()[1])) * 1000)
    return found


def list_with_sdk(client: Client, run_id: str, direction: str) -> tuple[float, list[str]]:
    begin = time.perf_counter()
    ids = [e.id for e in client.logs.list(task_run=run_id, limit=100, direction=direction)]
    return time.perf_counter() - begin, ids


def list_with_requests(
    session: requests.Session, base: str, run_id: str, direction: str
) -> tuple[float, list[str]]:
    begin = time.perf_counter()
    params: dict[str, Any] = {"taskRun": run_id, "limit": 100, "direction": direction}
    ids: list[str] = []
    while True:
        body = session.get(f"{base}/v1/logs", params=params, timeout=10).json()
        ids += [log["id"] for log in body["logs"]]
        if not body["hasMore"]:
            return time.perf_counter() - begin, ids
        params.update(startTime=body["nextStartTime"], endTime=body["nextEndTime"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds per contender")
    parser.add_argument("--lines", type=int, default=20, help="lines per latency round")
    parser.add_argument("--total", type=int, default=10_000, help="lines of the listing run")
    args = parser.parse_args()
    out = sys.stdout
    results: dict[str, list[float]] = {"websocket": [], "polling": []}
    listing: dict[str, list[float]] = {"sdk": [], "requests": []}
    exact: list[bool] = []
    # The tasks' prints are echoed to the server's stdout: keep them out of the report.
    with contextlib.redirect_stdout(io.StringIO()), serve(bench) as server:
        results, listing, exact = measure(server, args, results, listing, exact)
    report(out, args, results, listing, exact)
    return 0 if exact and all(exact) else 1


def measure(
    server: LocalServer,
    args: argparse.Namespace,
    results: dict[str, list[float]],
    listing: dict[str, list[float]],
    exact: list[bool],
) -> tuple[dict[str, list[float]], dict[str, list[float]], list[bool]]:
    # Polling as quick as the client's defaults allow at most (0.1 s, growing to 2 s).
    with Client(api_key="unused", base_url=server.base_url, poll_schedule=PollSchedule()) as client:
        for _ in range(args.rounds):
            results["websocket"] += latencies(client, args.lines, 0.02)
            with websockets_hidden():
                results["polling"] += latencies(client, args.lines, 0.02)
        run = client.workflows.start_task("logbench/flood", [args.total])
        run.wait(timeout=120)
        expected = [r.id for r in server.state.logs.for_run(run.id)]
        with requests.Session() as session:
            for _ in range(args.rounds):
                for direction in ("forward", "backward"):
                    seconds, ids = list_with_sdk(client, run.id, direction)
                    listing["sdk"].append(seconds)
                    wanted = expected if direction == "forward" else expected[::-1]
                    exact.append(ids == wanted and len(set(ids)) == args.total)
                    seconds, ids = list_with_requests(session, server.base_url, run.id, direction)
                    listing["requests"].append(seconds)
                    exact.append(ids == wanted)
    return results, listing, exact


def report(
    out: Any,
    args: argparse.Namespace,
    results: dict[str, list[float]],
    listing: dict[str, list[float]],
    exact: list[bool],
) -> None:
    ws = statistics.median(results["websocket"])
    poll = statistics.median(results["polling"])
    print("line printed by a task -> follower (ms, loopback)", file=out)
    for name, values in results.items():
        ordered = sorted(values)
        p95 = ordered[int(0.95 * (len(ordered) - 1))]
        print(
            f"  {name:10} median {statistics.median(values):7.2f}  p95 {p95:7.2f}  n={len(values)}",
            file=out,
        )
    print(
        f"  websocket / polling median: {ws / poll:.3f}  (goal: websocket median <= 100 ms: "
        f"{'met' if ws <= 100 else 'NOT met'})",
        file=out,
    )
    sdk = statistics.median(listing["sdk"])
    raw = statistics.median(listing["requests"])
    print(f"listing {args.total} lines of one run, 100 per page, both directions", file=out)
    print(f"  sdk       median {sdk * 1000:8.1f} ms", file=out)
    print(f"  requests  median {raw * 1000:8.1f} ms   sdk / requests: {sdk / raw:.2f}", file=out)
    print(f"  every line exactly once, in order: {all(exact)} ({len(exact)} listings)", file=out)


if __name__ == "__main__":
    raise SystemExit(main())
