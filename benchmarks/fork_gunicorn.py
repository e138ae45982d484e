"""gunicorn --preload with a Client used before fork: does every response match its request?

Two roles in one file:

- As a WSGI app (``gunicorn --preload benchmarks.fork_gunicorn:application``): a plain WSGI
  callable, no framework. Its module-level ``Client`` makes a request at import, in
  gunicorn's master, so the pooled connection exists before the workers are forked. Each
  request starts a run of ``demo/echo`` with the caller's token as input, reads the run
  back, and answers whether the started and read runs match the token.
- As a script (``python benchmarks/fork_gunicorn.py``): starts the local API server, runs
  gunicorn on that app with ``-w 4``, sends ``--requests`` requests (default 2,000) from
  ``--callers`` threads (default 16), each with a unique token, and counts answers that
  carry another request's token or run, and errors. ``--sdk-path DIR`` makes the workers
  import render_sdk from DIR (an older checkout) to compare.

Exit status 0 only when every response matched and none failed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

_API_URL_VAR = "FORK_BENCH_API_URL"

# --- the WSGI app ------------------------------------------------------------------------------

client: Any = None
if _API_URL_VAR in os.environ:  # imported by gunicorn (in the master, thanks to --preload)
    from render_sdk import Client

    client = Client(api_key="rnd_fork_bench", base_url=os.environ[_API_URL_VAR], max_retries=0)
    list(client.workflows.list_tasks(limit=1, max_items=1))  # a pooled connection, pre-fork


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Start a run with the caller's token, read it back, report whether both match."""
    token = parse_qs(environ.get("QUERY_STRING", "")).get("token", [""])[0]
    answer: dict[str, Any] = {"token": token, "pid": os.getpid()}
    try:
        run = client.workflows.start_task("demo/echo", [token])
        details = client.workflows.get_task_run(run.id)
        answer.update(run_id=run.id, read_id=details.id, input=details.input)
        answer["ok"] = details.id == run.id and details.input == [token]
    except Exception as exc:  # reported to the caller, who counts it
        answer.update(ok=False, error=f"{type(exc).__name__}: {exc}")
    body = json.dumps(answer).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]


# --- the driver ----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start listening in time")


def _call(port: int, token: str) -> dict[str, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", f"/start?token={token}")
        response = connection.getresponse()
        return dict(json.loads(response.read()))
    finally:
        connection.close()


def drive(port: int, requests: int, callers: int) -> dict[str, Any]:
    """Send ``requests`` requests from ``callers`` threads; tally what came back."""
    tally: Counter[str] = Counter()
    pids: set[int] = set()
    samples: list[str] = []
    lock = threading.Lock()
    per_caller = [requests // callers + (i < requests % callers) for i in range(callers)]

    def caller(index: int) -> None:
        for n in range(per_caller[index]):
            token = f"c{index}-n{n}-{uuid.uuid4().hex[:10]}"
            try:
                answer = _call(port, token)
            except Exception as exc:
                outcome, detail = "transport_error", f"{type(exc).__name__}: {exc}"
            else:
                if answer.get("token") != token:
                    outcome, detail = "crossed", f"sent {token}, answer for {answer.get('token')}"
                elif answer.get("ok"):
                    outcome, detail = "matched", ""
                elif "error" in answer:
                    outcome, detail = "error", str(answer["error"])
                else:
                    outcome = "crossed"
                    detail = f"sent {token}: run {answer.get('run_id')} read as {answer}"
                with lock:
                    pids.add(int(answer.get("pid", 0)))
            with lock:
                tally[outcome] += 1
                if detail and len(samples) < 5:
                    samples.append(detail[:300])

    started = time.monotonic()
    threads = [threading.Thread(target=caller, args=(i,)) for i in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {
        "requests": requests,
        "callers": callers,
        "matched": tally["matched"],
        "crossed": tally["crossed"],
        "errors": tally["error"] + tally["transport_error"],
        "workers_seen": len(pids),
        "seconds": round(elapsed, 2),
        "samples": samples,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--callers", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--sdk-path", help="import render_sdk from this directory in the workers")
    args = parser.parse_args(argv)

    from render_sdk.local import serve
    from render_sdk.local.examples import demo

    here = Path(__file__).resolve().parent
    with serve(demo.demo, port=0, heartbeat=1.0) as server:
        port = _free_port()
        env = dict(os.environ, **{_API_URL_VAR: server.base_url})
        paths = [str(here)] + ([args.sdk_path] if args.sdk_path else [])
        env["PYTHONPATH"] = os.pathsep.join([*reversed(paths), env.get("PYTHONPATH", "")])
        command = [
            sys.executable, "-m", "gunicorn", "--preload", "-w", str(args.workers),
            "-b", f"127.0.0.1:{port}", "--log-level", "warning", "fork_gunicorn:application",
        ]  # fmt: skip
        gunicorn = subprocess.Popen(command, env=env, cwd=here)
        try:
            _wait_for(port, time.monotonic() + 30)
            result = drive(port, args.requests, args.callers)
        finally:
            gunicorn.terminate()
            gunicorn.wait(timeout=30)
    result["sdk"] = args.sdk_path or "this checkout"
    print(json.dumps(result, indent=2))
    return 0 if result["matched"] == args.requests else 1


if __name__ == "__main__":
    sys.exit(main())
