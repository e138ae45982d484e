"""Waiting benchmarks against the local server running in a subprocess (its own GIL).

(a) Completion latency: from the moment the server marks a run terminal (its
    ``completedAt``, wall clock, millisecond resolution, truncated) to the moment
    ``wait()`` returns (``time.time()``), events (``wait_strategy="events"``) vs polling
    (``"poll"``), both with the client's default settings. Each run is the demo ``slow``
    task with a random 0.05-0.2 s delay, so the wait is already going when it ends.
    Strategies alternate run by run.
(b) Many runs: start N (default 1,000) runs, then await them all with ``wait_all`` or one
    by one (``r.wait()`` / ``await r``), methods alternating repetition by repetition, on
    two workloads: ``inflight`` (``slow`` runs of random, seeded 1-2 s: still running when
    the wait starts) and ``finished`` (``square`` runs, all over before the wait starts:
    the pure cost of waiting). Reported: the time from the start of waiting to the last
    result, and the lag after the last run's completedAt.

    .venv/bin/python benchmarks/waiting.py [--runs 200] [--many 1000] [--reps 3]
        [--twins async,sync] [--only latency|many]

Prints a table and writes JSON to benchmarks/results/waiting-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from render_sdk import AsyncClient, AwaitableTaskRun, Client, TaskRun, TaskRunDetails

RESULTS = Path(__file__).resolve().parent / "results"
GOAL_EVENTS_MEDIAN_MS = 20.0
GOAL_WAIT_ALL_SPEEDUP = 5.0
Stats = dict[str, float]


# --- the server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def server_process() -> Iterator[str]:
    """``python -m render_sdk.local render_sdk.local.examples.demo`` on a free port."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "render_sdk.local",
        "render_sdk.local.examples.demo",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                stderr = process.stderr.read().decode() if process.stderr else ""
                raise RuntimeError(f"the local server exited: {stderr}")
            try:
                if requests.get(base_url + "/v1/tasks", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the local server did not start in 20 s")
            time.sleep(0.05)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


# --- statistics ------------------------------------------------------------------------------


def summary(values: list[float]) -> Stats:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "n": float(len(values)),
        "median": statistics.median(values),
        "p95": p95,
        "min": ordered[0],
        "max": ordered[-1],
        "mean": statistics.fmean(values),
    }


def lag_ms(details: TaskRunDetails, returned: float) -> float:
    """Milliseconds between the server's completedAt and ``returned`` (time.time())."""
    assert details.completed_at is not None, details
    return (returned - details.completed_at.timestamp()) * 1000


# --- (a) latency -----------------------------------------------------------------------------

STRATEGIES = ("events", "poll")


def latency_sync(base_url: str, runs: int, seed: int) -> dict[str, list[float]]:
    rng = random.Random(seed)
    lags: dict[str, list[float]] = {s: [] for s in STRATEGIES}
    with (
        Client(api_key="rnd_bench", base_url=base_url, wait_strategy="events") as events,
        Client(api_key="rnd_bench", base_url=base_url, wait_strategy="poll") as poll,
    ):
        clients = {"events": events, "poll": poll}
        for i in range(2 * runs):
            strategy = STRATEGIES[i % 2]
            client = clients[strategy]
            run = client.workflows.start_task("demo/slow", [rng.uniform(0.05, 0.2)])
            details = run.wait(timeout=30)
            lags[strategy].append(lag_ms(details, time.time()))
    return lags


async def latency_async(base_url: str, runs: int, seed: int) -> dict[str, list[float]]:
    rng = random.Random(seed)
    lags: dict[str, list[float]] = {s: [] for s in STRATEGIES}
    async with (
        AsyncClient(api_key="rnd_bench", base_url=base_url, wait_strategy="events") as events,
        AsyncClient(api_key="rnd_bench", base_url=base_url, wait_strategy="poll") as poll,
    ):
        clients = {"events": events, "poll": poll}
        for i in range(2 * runs):
            strategy = STRATEGIES[i % 2]
            client = clients[strategy]
            run = await client.workflows.start_task("demo/slow", [rng.uniform(0.05, 0.2)])
            details = await run.wait(timeout=30)
            lags[strategy].append(lag_ms(details, time.time()))
    return lags


# --- (b) many runs ---------------------------------------------------------------------------

METHODS = ("wait_all", "one_by_one")


WORKLOADS = ("inflight", "finished")


def workload(name: str, many: int, seed: int) -> tuple[str, list[float], list[float]]:
    """The task, the argument of each run and the result each must return."""
    if name == "finished":
        args = [float(i) for i in range(many)]
        return "demo/square", args, [a * a for a in args]
    rng = random.Random(seed)
    seconds = [round(rng.uniform(1.0, 2.0), 3) for _ in range(many)]
    return "demo/slow", seconds, seconds


def check(results: list[TaskRunDetails], expected: list[float]) -> None:
    assert len(results) == len(expected)
    for details, value in zip(results, expected, strict=True):
        assert details.succeeded, details
        assert details.result == value, details


def many_sync(
    base_url: str, method: str, task: str, args: list[float], expected: list[float]
) -> dict[str, float]:
    with Client(api_key="rnd_bench", base_url=base_url) as client:
        start: Callable[[float], TaskRun] = lambda a: client.workflows.start_task(  # noqa: E731
            task, [a]
        )
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=16) as pool:
            runs = list(pool.map(start, args))
        if task == "demo/square":
            time.sleep(1.0)  # every run is over before the wait starts
        waiting = time.monotonic()
        if method == "wait_all":
            results = client.workflows.wait_all(runs, timeout=600)
        else:
            results = [run.wait(timeout=600) for run in runs]
        done_mono, done_wall = time.monotonic(), time.time()
    check(results, expected)
    last = max(d.completed_at.timestamp() for d in results if d.completed_at is not None)
    return {
        "start_s": waiting - started,
        "wait_s": done_mono - waiting,
        "lag_after_last_ms": (done_wall - last) * 1000,
    }


async def many_async(
    base_url: str, method: str, task: str, args: list[float], expected: list[float]
) -> dict[str, float]:
    async with AsyncClient(api_key="rnd_bench", base_url=base_url) as client:
        limit = asyncio.Semaphore(8)

        async def start(a: float) -> AwaitableTaskRun:
            async with limit:
                return await client.workflows.start_task(task, [a])

        started = time.monotonic()
        runs = await asyncio.gather(*(start(a) for a in args))
        if task == "demo/square":
            await asyncio.sleep(1.0)  # every run is over before the wait starts
        waiting = time.monotonic()
        if method == "wait_all":
            results = await client.workflows.wait_all(runs, timeout=600)
        else:
            results = [await run for run in runs]
        done_mono, done_wall = time.monotonic(), time.time()
    check(results, expected)
    last = max(d.completed_at.timestamp() for d in results if d.completed_at is not None)
    return {
        "start_s": waiting - started,
        "wait_s": done_mono - waiting,
        "lag_after_last_ms": (done_wall - last) * 1000,
    }


def run_many(
    twin: str, base_url: str, name: str, many: int, reps: int, seed: int
) -> dict[str, Any]:
    samples: dict[str, list[dict[str, float]]] = {m: [] for m in METHODS}
    for rep in range(reps):
        task, args, expected = workload(name, many, seed + rep)
        order = METHODS if rep % 2 == 0 else METHODS[::-1]
        for method in order:
            if twin == "sync":
                sample = many_sync(base_url, method, task, args, expected)
            else:
                sample = asyncio.run(many_async(base_url, method, task, args, expected))
            samples[method].append(sample)
            print(
                f"  {twin:5} {name:8} rep {rep + 1} {method:10} wait {sample['wait_s']:7.2f} s"
                f"  (start {sample['start_s']:.2f} s,"
                f" lag after last {sample['lag_after_last_ms']:8.1f} ms)",
                flush=True,
            )
    return {
        method: {
            "wait_s": summary([s["wait_s"] for s in rows]),
            "lag_after_last_ms": summary([s["lag_after_last_ms"] for s in rows]),
            "samples": rows,
        }
        for method, rows in samples.items()
    }


# --- main ------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=200, help="runs per strategy for latency")
    parser.add_argument("--many", type=int, default=1000, help="concurrent runs for (b)")
    parser.add_argument("--reps", type=int, default=3, help="repetitions of (b) per method")
    parser.add_argument("--twins", default="async,sync", help="async, sync or both")
    parser.add_argument("--only", choices=("latency", "many"), default=None)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    twins = [t.strip() for t in args.twins.split(",") if t.strip()]
    report: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "args": vars(args),
        "latency_ms": {},
        "many": {},
    }
    with server_process() as base_url:
        for twin in twins:
            if args.only in (None, "latency"):
                print(f"(a) latency, {twin}: {args.runs} runs per strategy ...", flush=True)
                if twin == "sync":
                    lags = latency_sync(base_url, args.runs, args.seed)
                else:
                    lags = asyncio.run(latency_async(base_url, args.runs, args.seed))
                report["latency_ms"][twin] = {
                    s: {**summary(v), "samples": v} for s, v in lags.items()
                }
            if args.only in (None, "many"):
                for name in WORKLOADS:
                    print(f"(b) {args.many} runs, {twin}, {name}: {args.reps} reps ...", flush=True)
                    report["many"].setdefault(twin, {})[name] = run_many(
                        twin, base_url, name, args.many, args.reps, args.seed
                    )

    print()
    print("(a) completion latency, completedAt -> wait() returns (ms; completedAt is truncated")
    print("    to whole ms by the server, so figures may read up to 1 ms high)")
    print(f"{'twin':6} {'strategy':8} {'n':>5} {'median':>8} {'p95':>8} {'max':>8}")
    for twin, by_strategy in report["latency_ms"].items():
        for strategy, stats in by_strategy.items():
            print(
                f"{twin:6} {strategy:8} {stats['n']:5.0f} {stats['median']:8.1f}"
                f" {stats['p95']:8.1f} {stats['max']:8.1f}"
            )
        ratio = by_strategy["poll"]["median"] / by_strategy["events"]["median"]
        ok = by_strategy["events"]["median"] <= GOAL_EVENTS_MEDIAN_MS
        print(
            f"{twin:6} poll/events median ratio {ratio:.1f}x;"
            f" goal events median <= {GOAL_EVENTS_MEDIAN_MS:g} ms: {'met' if ok else 'MISSED'}"
        )
    if report["many"]:
        print()
        print(f"(b) {args.many} concurrent runs: time from the start of waiting to all done")
        print("    inflight: slow runs of 1-2 s, still running; finished: all over already")
        print(
            f"{'twin':6} {'workload':8} {'method':10} {'reps':>4} {'median s':>9} {'max s':>7}"
            f" {'lag after last, median ms':>26}"
        )
    for twin, by_workload in report["many"].items():
        for name, by_method in by_workload.items():
            for method in METHODS:
                stats = by_method[method]
                print(
                    f"{twin:6} {name:8} {method:10} {stats['wait_s']['n']:4.0f}"
                    f" {stats['wait_s']['median']:9.2f} {stats['wait_s']['max']:7.2f}"
                    f" {stats['lag_after_last_ms']['median']:26.1f}"
                )
            one_by_one = by_method["one_by_one"]["wait_s"]["median"]
            speedup = one_by_one / by_method["wait_all"]["wait_s"]["median"]
            by_method["speedup"] = speedup
            ok = speedup >= GOAL_WAIT_ALL_SPEEDUP
            print(
                f"{twin:6} {name:8} wait_all speedup {speedup:.2f}x;"
                f" goal >= {GOAL_WAIT_ALL_SPEEDUP:g}x: {'met' if ok else 'MISSED'}"
            )
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"waiting-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(report, indent=2))
    print(f"\nresults: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
