"""The worker-protocol host against the in-process host: overhead, throughput, fan-out.

    python benchmarks/worker_host.py            # about two minutes on a loaded 2-core box
    python benchmarks/worker_host.py --quick    # a smoke run

Figures:

- overhead per run beyond the worker process's own life: a run's time minus the
  time from spawning its worker to receiving its callback. Measured on the server
  (run created -> completed) and from a client (start -> result read), runs one
  at a time; median and 90th percentile.
- runs/s for N trivial runs, 8 at a time, through each host;
- wall time of one task fanning out to 50 subtasks, through each host.

The in-process host runs the same task bodies registered with
``render_sdk.local.Workflow``; the worker host runs ``examples/render_tasks/main.py``
(Render's SDK). The two alternate, round by round, and ratios are quoted.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from render_sdk import Client
from render_sdk.local import LocalServer, Workflow, serve

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "render_tasks"

inproc = Workflow("render-tasks")


@inproc.task
def square(a: int) -> int:
    return a * a


@inproc.task
async def sum_squares(n: int) -> int:
    return sum(await asyncio.gather(*(inproc.run(square, i) for i in range(n))))


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def overhead(server: LocalServer, client: Client, runs: int) -> tuple[list[float], list[float]]:
    """Per-run (server-side, client-side) seconds beyond spawn-to-callback, one run at a time."""
    assert server.worker is not None
    server_side, client_side = [], []
    for i in range(runs):
        begin = time.perf_counter()
        details = client.workflows.run_task("render-tasks/square", [i], timeout=60)
        elapsed = time.perf_counter() - begin
        timing = next(t for t in server.worker.timings if t.run_id == details.id)
        life = timing.reported - timing.spawned
        record = server.state.store.get(details.id)
        assert record is not None
        assert record.completed_at is not None
        server_time = (record.completed_at - record.created_at).total_seconds()
        server_side.append(server_time - life)
        client_side.append(elapsed - life)
    return server_side, client_side


def throughput(client: Client, runs: int, concurrency: int = 8) -> float:
    """Runs per second for ``runs`` trivial runs, ``concurrency`` in flight."""

    def one(i: int) -> None:
        details = client.workflows.run_task("render-tasks/square", [i], timeout=120)
        assert details.results == [i * i]

    begin = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(runs)))
    return runs / (time.perf_counter() - begin)


def fan_out(client: Client, width: int) -> float:
    """Seconds for one run that starts ``width`` subtasks and sums their results."""
    begin = time.perf_counter()
    details = client.workflows.run_task("render-tasks/sum_squares", [width], timeout=300)
    assert details.results == [sum(i * i for i in range(width))]
    return time.perf_counter() - begin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small counts (a smoke run)")
    args = parser.parse_args()
    runs, width, sequential, rounds = (16, 10, 5, 1) if args.quick else (100, 50, 30, 2)

    worker_server = serve(command=[sys.executable, "main.py"], cwd=str(EXAMPLE))
    inproc_server = serve(inproc)
    with (
        worker_server as worker,
        inproc_server as local,
        Client(api_key="local", base_url=worker.base_url) as wclient,
        Client(api_key="local", base_url=local.base_url) as lclient,
    ):
        fan_out(wclient, 2)  # warm both up (imports, connections)
        fan_out(lclient, 2)
        server_side, client_side = overhead(worker, wclient, sequential)
        rates: dict[str, list[float]] = {"in-process": [], "worker": []}
        fans: dict[str, list[float]] = {"in-process": [], "worker": []}
        for _ in range(rounds):  # alternate, so load from others hits both alike
            rates["in-process"].append(throughput(lclient, runs))
            rates["worker"].append(throughput(wclient, runs))
            fans["in-process"].append(fan_out(lclient, width))
            fans["worker"].append(fan_out(wclient, width))

    ms = 1000.0
    print(f"overhead beyond spawn-to-callback, {sequential} sequential runs (worker host):")
    for label, values in (
        ("server side (created -> completed)", server_side),
        ("client side (start -> result read)", client_side),
    ):
        median, p90 = statistics.median(values) * ms, quantile(values, 0.9) * ms
        print(f"  {label}: median {median:.1f} ms, p90 {p90:.1f} ms")
    rate_in, rate_w = statistics.median(rates["in-process"]), statistics.median(rates["worker"])
    fan_in, fan_w = statistics.median(fans["in-process"]), statistics.median(fans["worker"])
    print(f"{runs} trivial runs, 8 at a time (median of {rounds}):")
    ratio = rate_in / rate_w
    print(f"  in-process {rate_in:8.1f} runs/s   worker {rate_w:8.1f} runs/s   ratio {ratio:.0f}x")
    print(f"one task fanning out to {width} subtasks (median of {rounds}):")
    ratio = fan_w / fan_in
    print(f"  in-process {fan_in:8.3f} s       worker {fan_w:8.3f} s       ratio {ratio:.0f}x")


if __name__ == "__main__":
    main()
