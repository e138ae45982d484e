"""render_sdk side by side with Render's official SDK and the raw transport: ``nox -s bench``.

One local server runs in its own process for the whole run (so it never shares a GIL
with the clients). Every scenario measures the three contenders of ``contenders.py``
in the same run, alternating them round by round so that machine noise hits all alike.
Prints a table of medians (p95 where latency matters) with ratios and the project's
goals, and writes ``results/bench-<time>.json`` and ``.png`` (see docs/benchmarks.md).

Start-up is measured in one interpreter per contender (``--startup-python NAME=PATH``,
created by the nox session with only what that contender needs); everything else runs
in this interpreter, which has all three installed.
"""

from __future__ import annotations

import argparse
import asyncio
import faulthandler
import gc
import json
import logging
import os
import platform
import re
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import requests
from contenders import (
    CONTENDERS,
    STARTUP_CODE,
    AsyncContender,
    OursAsync,
    OursSync,
    SyncContender,
    async_contenders,
    sync_contenders,
)
from report import evaluate, print_table, write_chart

HERE = Path(__file__).resolve().parent
TASKS = "render_sdk.local.examples.demo"
SQUARE = "demo/square"
SLOW = "demo/slow"


@contextmanager
def watchdog(seconds: float) -> Iterator[None]:
    """Dump every thread's stack and exit if a scenario hangs (nothing else can stop it)."""
    faulthandler.dump_traceback_later(seconds, exit=True)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()


# --- the settings of a run ---------------------------------------------------------------------


FULL = {
    "startup_rounds": 20,
    "get_rounds": 10,
    "get_calls": 500,
    "run_rounds": 6,
    "run_calls": 20,
    "async_rounds": 3,
    "async_runs": 1000,
    "in_flight": 50,
    "completion_rounds": 6,
    "completion_runs": 5,
    "completion_task_seconds": 0.2,
    "thread_rounds": 4,
    "threads": 32,
    "thread_seconds": 2.0,
    "paced_limit": 200,
    "paced_runs": 2000,
    "paced_coroutines": 200,
    "paced_threads": 32,
}
QUICK = {
    **FULL,
    "startup_rounds": 5,
    "get_rounds": 3,
    "get_calls": 200,
    "run_rounds": 2,
    "run_calls": 10,
    "async_rounds": 1,
    "async_runs": 300,
    "completion_rounds": 2,
    "completion_runs": 3,
    "thread_rounds": 2,
    "thread_seconds": 1.0,
    "paced_runs": 600,
}


# --- the server --------------------------------------------------------------------------------


class ServerProcess:
    """``python -m render_sdk.local`` on a free port, in a child process."""

    def __init__(self, *extra: str) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "render_sdk.local",
                TASKS,
                "--port",
                "0",
                "--heartbeat",
                "5",
                *extra,
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        first = self.process.stdout.readline()
        match = re.search(r"listening on (http://\S+)", first)
        if match is None:
            self.process.kill()
            raise RuntimeError(f"the local server did not start: {first!r}")
        self.origin = match.group(1)

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# --- helpers -----------------------------------------------------------------------------------


def settle() -> None:
    """Start each measurement from the same state: no garbage, a quiet moment."""
    gc.collect()
    time.sleep(0.05)


def completed_at(api: str, run_id: str) -> float:
    """The moment the server marked the run terminal (epoch seconds, millisecond precision)."""
    body = requests.get(f"{api}/task-runs/{run_id}", timeout=10).json()
    stamp = str(body["completedAt"]).replace("Z", "+00:00")
    return datetime.fromisoformat(stamp).timestamp()


def rotate(names: list[str], round_no: int) -> list[str]:
    """The contenders in a different order each round (no one always goes first)."""
    shift = round_no % len(names)
    return names[shift:] + names[:shift]


# --- scenarios ---------------------------------------------------------------------------------


def scenario_startup(pythons: dict[str, str], rounds: int, env: dict[str, str]) -> dict[str, Any]:
    """New interpreter, import, construct a client: wall time and peak RSS of the process."""
    code = dict(STARTUP_CODE)
    code["python -c pass"] = "pass"
    python_of = {**pythons, "python -c pass": pythons["raw"]}
    installed = {}
    for name, python in pythons.items():
        listing = subprocess.run(
            [
                python,
                "-c",
                "import importlib.metadata as m, json; "
                "print(json.dumps(sorted({d.metadata['Name'] for d in m.distributions()})))",
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        installed[name] = json.loads(listing.stdout)
    times: dict[str, list[float]] = {name: [] for name in code}
    rss: dict[str, list[float]] = {name: [] for name in code}

    def once(name: str) -> tuple[float, float]:
        started = time.perf_counter()
        child = subprocess.Popen([python_of[name], "-c", code[name]], env=env)
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            raise RuntimeError(f"start-up of {name} failed with exit code {child.returncode}")
        return elapsed, usage.ru_maxrss / 1024  # KiB on Linux -> MiB

    for name in code:  # compile bytecode, warm the page cache
        once(name)
    for round_no in range(rounds):
        for name in rotate(list(code), round_no):
            elapsed, peak = once(name)
            times[name].append(elapsed * 1000)
            rss[name].append(peak)
    return {"ms": times, "peak_rss_mib": rss, "installed": installed, "code": code}


def scenario_get(origin: str, run_id: str, rounds: int, calls: int) -> dict[str, Any]:
    """Sync get_task_run, one thread, one client, keep-alive: calls per second per round."""
    makers = sync_contenders(origin)
    clients = {name: make() for name, make in makers.items()}
    try:
        for client in clients.values():
            for _ in range(50):
                assert client.get_task_run(run_id) == "succeeded"
        rates: dict[str, list[float]] = {name: [] for name in clients}
        for round_no in range(rounds):
            for name in rotate(list(clients), round_no):
                call = clients[name].get_task_run
                settle()
                started = time.perf_counter()
                for _ in range(calls):
                    call(run_id)
                rates[name].append(calls / (time.perf_counter() - started))
        return {"calls_per_s": rates}
    finally:
        for client in clients.values():
            client.close()


def scenario_run_task(origin: str, rounds: int, calls: int) -> dict[str, Any]:
    """Sync run_task of a task that finishes at once: latency of each call."""
    makers = sync_contenders(origin)
    clients = {name: make() for name, make in makers.items()}
    try:
        for client in clients.values():
            for n in range(3):
                client.run_task(SQUARE, [n])
        latencies: dict[str, list[float]] = {name: [] for name in clients}
        for round_no in range(rounds):
            for name in rotate(list(clients), round_no):
                run = clients[name].run_task
                settle()
                for n in range(calls):
                    started = time.perf_counter()
                    run(SQUARE, [n])
                    latencies[name].append((time.perf_counter() - started) * 1000)
        return {"ms": latencies}
    finally:
        for client in clients.values():
            client.close()


async def _start_many(
    client: AsyncContender, count: int, in_flight: int
) -> tuple[list[Any], float]:
    slots = asyncio.Semaphore(in_flight)

    async def one(n: int) -> Any:
        async with slots:
            return await client.start_task(SQUARE, [n])

    started = time.perf_counter()
    handles = await asyncio.gather(*(one(n) for n in range(count)))
    return list(handles), time.perf_counter() - started


async def _all_finished(api: str, handles: list[Any]) -> None:
    """Block (untimed) until the server reports every run terminal."""
    import httpx

    ids = [str(getattr(handle, "id", handle)) for handle in handles]
    slots = asyncio.Semaphore(20)

    async def get(http: httpx.AsyncClient, run_id: str) -> httpx.Response:
        async with slots:
            return await http.get(f"{api}/task-runs/{run_id}")

    async with httpx.AsyncClient(timeout=30) as http:
        for _ in range(600):
            bodies = await asyncio.gather(*(get(http, i) for i in ids))
            ids = [
                i
                for i, b in zip(ids, bodies, strict=True)
                if b.json()["status"] == "pending" or b.json()["status"] == "running"
            ]
            if not ids:
                return
            await asyncio.sleep(0.05)
    raise RuntimeError(f"{len(ids)} runs did not finish")


def scenario_async(origin: str, rounds: int, count: int, in_flight: int) -> dict[str, Any]:
    """Async: start ``count`` runs with ``in_flight`` at once; then await them all, finished."""
    api = origin + "/v1"
    starts: dict[str, list[float]] = {name: [] for name in CONTENDERS}
    awaits: dict[str, list[float]] = {name: [] for name in CONTENDERS}
    wait_all: list[float] = []

    async def measure(name: str) -> None:
        client = async_contenders(origin)[name]()
        try:
            warm, _ = await _start_many(client, in_flight, in_flight)
            await _all_finished(api, warm)
            await asyncio.gather(*(client.await_run(h) for h in warm))
            settle()
            handles, elapsed = await _start_many(client, count, in_flight)
            starts[name].append(count / elapsed)
            await _all_finished(api, handles)
            settle()
            started = time.perf_counter()
            statuses = await asyncio.gather(*(client.await_run(h) for h in handles))
            awaits[name].append((time.perf_counter() - started) * 1000)
            assert set(statuses) == {"succeeded"}, set(statuses)
            if isinstance(client, OursAsync):
                settle()
                started = time.perf_counter()
                assert set(await client.wait_all(handles)) == {"succeeded"}
                wait_all.append((time.perf_counter() - started) * 1000)
        finally:
            await client.aclose()

    failures: dict[str, list[str]] = {name: [] for name in CONTENDERS}
    for round_no in range(rounds):
        for name in rotate(list(CONTENDERS), round_no):
            try:
                asyncio.run(measure(name))
            except Exception:  # one contender's failure must not hide the others' figures
                failures[name].append(traceback.format_exc(limit=-6))
                print(f"[bench] async {name} failed:\n{failures[name][-1]}", file=sys.stderr)
    return {
        "starts_per_s": starts,
        "await_ms": awaits,
        "render_sdk_wait_all_ms": wait_all,
        "failures": failures,
    }


def scenario_completion(origin: str, rounds: int, runs: int, task_seconds: float) -> dict[str, Any]:
    """How long after the server marks a run terminal its waiter returns (sync run_task)."""
    api = origin + "/v1"
    makers: dict[str, Callable[[], SyncContender]] = {
        **sync_contenders(origin),
        "render_sdk (poll)": lambda: OursSync(wait_strategy="poll"),
    }
    clients = {name: make() for name, make in makers.items()}
    try:
        for client in clients.values():
            client.run_task(SLOW, [0.01])
        lags: dict[str, list[float]] = {name: [] for name in clients}
        for round_no in range(rounds):
            for name in rotate(list(clients), round_no):
                settle()
                for _ in range(runs):
                    run_id = clients[name].run_task(SLOW, [task_seconds])
                    noticed = time.time()
                    lags[name].append((noticed - completed_at(api, run_id)) * 1000)
        return {"ms": lags}
    finally:
        for client in clients.values():
            client.close()


def scenario_threads(
    origin: str, run_id: str, rounds: int, threads: int, seconds: float
) -> dict[str, Any]:
    """``threads`` threads share one sync client, each calling get_task_run for a while."""
    makers = sync_contenders(origin)
    clients = {name: make() for name, make in makers.items()}
    rates: dict[str, list[float]] = {name: [] for name in clients}
    errors: dict[str, int] = dict.fromkeys(clients, 0)
    error_samples: dict[str, list[str]] = {name: [] for name in clients}
    try:

        def run(name: str) -> None:
            client = clients[name]
            counts = [0] * threads
            failures = [0] * threads
            barrier = threading.Barrier(threads + 1)
            stop = threading.Event()

            def work(slot: int) -> None:
                barrier.wait()
                while not stop.is_set():
                    try:
                        client.get_task_run(run_id)
                        counts[slot] += 1
                    except Exception as exc:
                        failures[slot] += 1
                        if len(error_samples[name]) < 3:
                            error_samples[name].append(repr(exc)[:200])

            workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
            for worker in workers:
                worker.start()
            settle()
            barrier.wait()
            started = time.perf_counter()
            time.sleep(seconds)
            stop.set()
            for worker in workers:
                worker.join()
            rates[name].append(sum(counts) / (time.perf_counter() - started))
            errors[name] += sum(failures)

        for name in clients:  # warm the pools
            run(name)
        rates = {name: [] for name in clients}
        errors = dict.fromkeys(clients, 0)
        for round_no in range(rounds):
            for name in rotate(list(clients), round_no):
                run(name)
        return {"calls_per_s": rates, "errors": errors, "error_samples": error_samples}
    finally:
        for client in clients.values():
            client.close()


# --- main ----------------------------------------------------------------------------------------

SCENARIOS = ("startup", "get", "run_task", "async", "completion", "threads", "paced")


def scenario_paced_server(settings: dict[str, Any]) -> dict[str, Any]:
    """The fan-out scenarios of ``paced.py``, against a server of their own with a rate limit."""
    from paced import scenario_paced

    server = ServerProcess("--rate-limit", str(settings["paced_limit"]))
    try:
        return scenario_paced(
            server.origin,
            settings["paced_limit"],
            settings["paced_runs"],
            settings["paced_coroutines"],
            settings["paced_threads"],
        )
    finally:
        server.close()


def _versions() -> dict[str, str]:
    versions = {}
    for dist in ("render-workflows-sdk", "render", "requests", "httpx", "urllib3"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    return versions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run (about a minute)")
    parser.add_argument(
        "--only", action="append", choices=SCENARIOS, help="run only these scenarios"
    )
    parser.add_argument(
        "--startup-python",
        action="append",
        default=[],
        metavar="NAME=PYTHON",
        help=f"interpreter for one contender's start-up ({', '.join(CONTENDERS)}); "
        "default: this interpreter",
    )
    parser.add_argument("--results", type=Path, default=HERE / "results")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one setting, e.g. --set async_runs=500",
    )
    args = parser.parse_args(argv)

    settings: dict[str, Any] = dict(QUICK if args.quick else FULL)
    for item in args.set:
        key, _, value = item.partition("=")
        if key not in settings:
            parser.error(f"unknown setting {key!r}; known: {', '.join(settings)}")
        settings[key] = type(settings[key])(value)
    pythons = dict.fromkeys(CONTENDERS, sys.executable)
    for item in args.startup_python:
        name, _, python = item.partition("=")
        if name not in pythons or not python:
            parser.error(f"--startup-python takes NAME=PATH with NAME in {CONTENDERS}")
        pythons[name] = python
    selected = args.only or list(SCENARIOS)

    logging.getLogger("urllib3").setLevel(logging.ERROR)  # "pool is full" under 32 threads
    server = ServerProcess()
    os.environ["RENDER_USE_LOCAL_DEV"] = "true"
    os.environ["RENDER_LOCAL_DEV_URL"] = server.origin
    os.environ.pop("RENDER_API_KEY", None)
    origin = server.origin
    results: dict[str, Any] = {}
    started = time.time()
    try:
        seed = requests.post(
            f"{origin}/v1/task-runs", json={"task": SQUARE, "input": [5]}, timeout=10
        ).json()["id"]
        for _ in range(100):
            if requests.get(f"{origin}/v1/task-runs/{seed}", timeout=10).json()["status"] in (
                "succeeded",
                "failed",
            ):
                break
            time.sleep(0.02)
        s = settings
        plan: dict[str, Callable[[], dict[str, Any]]] = {
            "startup": lambda: scenario_startup(pythons, s["startup_rounds"], dict(os.environ)),
            "get": lambda: scenario_get(origin, seed, s["get_rounds"], s["get_calls"]),
            "run_task": lambda: scenario_run_task(origin, s["run_rounds"], s["run_calls"]),
            "async": lambda: scenario_async(
                origin, s["async_rounds"], s["async_runs"], s["in_flight"]
            ),
            "completion": lambda: scenario_completion(
                origin,
                s["completion_rounds"],
                s["completion_runs"],
                s["completion_task_seconds"],
            ),
            "threads": lambda: scenario_threads(
                origin, seed, s["thread_rounds"], s["threads"], s["thread_seconds"]
            ),
            "paced": lambda: scenario_paced_server(s),
        }
        for name in SCENARIOS:
            if name not in selected:
                continue
            print(f"[bench] {name} ...", file=sys.stderr, flush=True)
            began = time.perf_counter()
            with watchdog(600):
                try:
                    results[name] = plan[name]()
                except Exception as exc:  # keep the other scenarios; report this one
                    results[name] = {"error": f"{type(exc).__name__}: {exc}"}
                    print(f"[bench] {name} failed: {exc!r}", file=sys.stderr)
            results[name]["seconds"] = round(time.perf_counter() - began, 1)
    finally:
        server.close()

    document: dict[str, Any] = {
        "meta": {
            "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "quick": args.quick,
            "settings": settings,
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "versions": _versions(),
            "startup_pythons": pythons,
            "seconds": round(time.time() - started, 1),
        },
        "scenarios": results,
    }
    document["summary"] = evaluate(results)
    args.results.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    json_path = args.results / f"bench-{stamp}.json"
    json_path.write_text(json.dumps(document, indent=2) + "\n")
    png_path = write_chart(document, args.results / f"bench-{stamp}.png")
    print_table(document)
    print(f"\nresults: {json_path}" + (f"\nchart:   {png_path}" if png_path else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
