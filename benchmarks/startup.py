"""Start-up cost, whole process: import render_sdk and build a Client, against baselines.

Each contender is a fresh interpreter; runs alternate so that machine noise hits all alike.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

CONTENDERS = {
    "python -c pass": "pass",
    "import requests, attrs": "import requests, attrs",
    "render_sdk Client": "import render_sdk; render_sdk.Client(api_key='x')",
}
FORBIDDEN = ("httpx", "click", "rich", "starlette", "uvicorn")


def run_once(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()

    check = (
        "import sys, render_sdk; render_sdk.Client(api_key='x'); "
        f"print(','.join(m for m in {FORBIDDEN!r} if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", check], check=True, capture_output=True, text=True
    ).stdout.strip()

    times: dict[str, list[float]] = {name: [] for name in CONTENDERS}
    for _ in range(args.rounds):
        for name, code in CONTENDERS.items():
            times[name].append(run_once(code))

    base = statistics.median(times["import requests, attrs"])
    print(f"start-up, whole process, median of {args.rounds} alternating runs")
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"  {name:<24} {median * 1000:7.1f} ms   ({median / base:.2f}x requests+attrs)")
    print(f"  heavy modules imported by render_sdk: {loaded or 'none'}")


if __name__ == "__main__":
    main()
