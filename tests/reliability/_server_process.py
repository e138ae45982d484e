"""The local server in a process of its own, for load tests (the GIL is not shared).

Run as ``python -m tests.reliability._server_process``. It serves the bundled ``demo``
workflow on a free loopback port (the same ``LocalServer`` as ``python -m
render_sdk.local render_sdk.local.examples.demo --port 0``), prints one JSON line with
its ``base_url``, then answers commands read from stdin, one per line:

- ``stats``: one JSON line with the server-side counts (connections, runs created,
  requests, events streams) and every run's input by run id;
- ``quit`` (or end of input): stop the server and exit.
"""

from __future__ import annotations

import json
import sys

from render_sdk.local import serve
from render_sdk.local.examples import demo


def main() -> int:
    with serve(demo.demo, port=0, heartbeat=5.0) as server:
        print(json.dumps({"base_url": server.base_url}), flush=True)
        for line in sys.stdin:
            command = line.strip()
            if command == "quit":
                break
            if command == "stats":
                stats = {
                    "connections": server.connections,
                    "runs_created": server.runs_created,
                    "requests": sum(server.requests.values()),
                    "streams": server.requests[("GET", "/v1/task-runs/events")],
                    "posts": server.requests[("POST", "/v1/task-runs")],
                    "runs": {run["id"]: run["input"] for run in server.runs()},
                }
                print(json.dumps(stats), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
