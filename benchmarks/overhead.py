"""Per-call overhead of ``client.workflows.get_task_run`` against a raw requests.Session GET.

Both fetch the same URL from the same loopback server over keep-alive connections and
decode the JSON body; rounds alternate between them so noise hits both alike.
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

import render_sdk

BODY = json.dumps(
    {
        "id": "trn-bench1",
        "taskId": "tsk-bench1",
        "status": "succeeded",
        "parentTaskRunId": "",
        "rootTaskRunId": "trn-bench1",
        "retries": 0,
        "attempts": [
            {
                "attempt": 0,
                "status": "succeeded",
                "startedAt": "2026-11-29T10:00:00.123456Z",
                "completedAt": "2026-11-29T10:00:01.5Z",
                "results": [25],
            }
        ],
        "startedAt": "2026-11-29T10:00:00.123456Z",
        "completedAt": "2026-11-29T10:00:01.5Z",
        "results": [25],
        "input": [5],
    }
).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args: object) -> None:
        pass


def time_calls(call: object, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        call()  # type: ignore[operator]
    return (time.perf_counter() - started) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    origin = f"http://127.0.0.1:{server.server_port}"
    url = f"{origin}/v1/task-runs/trn-bench1"

    session = requests.Session()
    client = render_sdk.Client(api_key="bench-key", base_url=origin)
    contenders = {
        "raw requests.Session GET + .json()": lambda: session.get(url, timeout=(5, 30)).json(),
        "render_sdk get_task_run": lambda: client.workflows.get_task_run("trn-bench1"),
    }
    for call in contenders.values():  # warm up connections and lazy set-up
        for _ in range(50):
            call()

    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(args.rounds):
        for name, call in contenders.items():
            samples[name].append(time_calls(call, args.calls))

    raw = statistics.median(samples["raw requests.Session GET + .json()"])
    sdk = statistics.median(samples["render_sdk get_task_run"])
    print(f"get_task_run on loopback, median of {args.rounds} rounds x {args.calls} calls")
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"  {name:<36} {median * 1e6:8.1f} us/call  {1 / median:8.0f} calls/s")
    print(f"  overhead: {sdk / raw:.3f}x raw ({(sdk / raw - 1) * 100:+.1f} %)")

    client.close()
    session.close()
    server.shutdown()
    server.server_close()


if __name__ == "__main__":
    main()
