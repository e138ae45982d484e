"""Start-up cost of ``render-sdk --help``, whole process, against two baselines.

Every contender is a fresh process; rounds alternate between them so machine noise hits
all alike. Prints medians, ratios, and which heavy modules ``--help`` imported (goal:
none, and a median under 0.3 s). Exit status 1 if the goal is missed.

    python benchmarks/cli_startup.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

GOAL_SECONDS = 0.3
HEAVY = (
    "render_sdk._sync.client",
    "render_sdk._async.client",
    "requests",
    "httpx",
    "rich",
    "starlette",
    "uvicorn",
)


def cli_command() -> list[str]:
    """The installed ``render-sdk`` script next to this interpreter, else ``-m``."""
    script = Path(sys.executable).with_name("render-sdk")
    found = str(script) if script.exists() else shutil.which("render-sdk")
    if found:
        return [found, "--help"]
    return [sys.executable, "-m", "render_sdk.cli", "--help"]


def run_once(command: list[str]) -> float:
    """Seconds from spawning ``command`` to its exit."""
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def heavy_imports() -> list[str]:
    """Heavy modules that ``render-sdk --help`` imports (should be none)."""
    code = (
        "import sys\n"
        "sys.argv = ['render-sdk', '--help']\n"
        "from render_sdk.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return [name for name in proc.stderr.strip().split(",") if name]


def main() -> int:
    """Run the benchmark and print the report; 0 if the goal is met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()

    contenders = {
        "python -c pass": [sys.executable, "-c", "pass"],
        'python -c "import click"': [sys.executable, "-c", "import click"],
        "render-sdk --help": cli_command(),
    }
    for command in contenders.values():  # warm the file cache
        run_once(command)
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(args.rounds):
        for name, command in contenders.items():
            times[name].append(run_once(command))

    medians = {name: statistics.median(samples) for name, samples in times.items()}
    base = medians["python -c pass"]
    click_base = medians['python -c "import click"']
    print(f"start-up, whole process, median of {args.rounds} alternating rounds")
    for name, median in medians.items():
        print(
            f"  {name:<26} {median * 1000:7.1f} ms   "
            f"{median / base:5.2f}x python   {median / click_base:5.2f}x click"
        )
    heavy = heavy_imports()
    cli_median = medians["render-sdk --help"]
    ok = cli_median < GOAL_SECONDS and not heavy
    print(f"  heavy modules imported by --help: {', '.join(heavy) or 'none'}")
    print(
        f"  goal: render-sdk --help under {GOAL_SECONDS * 1000:.0f} ms median: "
        f"{'met' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
