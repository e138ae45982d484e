"""Square numbers with a Render Workflows task from a blocking script.

    python script.py 3 4 5

Reads RENDER_API_KEY from the environment; against the local server
(``render-sdk dev render_sdk.local.examples.demo``) set RENDER_USE_LOCAL_DEV=true
instead. Exits 1 if a run fails.
"""

from __future__ import annotations

import sys

from render_sdk import Client, RenderError, TaskRunFailedError

TASK = "demo/square"


def main(argv: list[str]) -> int:
    try:
        numbers = [float(arg) for arg in argv] or [2.0]
    except ValueError:
        print(f"usage: python script.py NUMBER...  (got {' '.join(argv)!r})", file=sys.stderr)
        return 2
    with Client() as client:  # one client for every call; closed at the end
        for number in numbers:
            try:
                details = client.workflows.run_task(TASK, [number], timeout=60)
            except TaskRunFailedError as exc:
                print(f"{number}: run {exc.task_run_id} failed: {exc.error}", file=sys.stderr)
                return 1
            except RenderError as exc:  # bad configuration, network, API errors, timeout
                print(f"{number}: {type(exc).__name__}: {exc}", file=sys.stderr)
                return 1
            print(f"{number} squared is {details.result} (run {details.id})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
