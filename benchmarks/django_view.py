"""What a Django view adds over calling ``start_task`` directly, against the local server.

Three ways to start a run of ``demo/square`` are timed side by side, alternating each
round so that noise from a loaded machine hits all of them alike:

- ``direct``: ``get_client().workflows.start_task(...)`` called from Python;
- ``view``: a WSGI request through Django's handler and middleware (including
  ``RenderErrorMiddleware``) to a view that does the same call and answers JSON;
- ``on_commit``: the same request to a view that saves nothing but starts the run with
  ``start_task_on_commit`` inside ``transaction.atomic()`` (sqlite in memory).

The local server runs in a subprocess, so it does not compete with the timed code for
the GIL. Prints medians, the differences to ``direct`` and their ratios.

    python benchmarks/django_view.py --rounds 400
"""

from __future__ import annotations

import argparse
import io
import json
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

TASK = "demo/square"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def local_server() -> Iterator[str]:
    """The local server with the demo tasks in a subprocess; yields its base URL."""
    port = _free_port()
    command = [sys.executable, "-m", "render_sdk.local", "render_sdk.local.examples.demo"]
    command += ["--port", str(port), "--log-level", "warning"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the local server did not start") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def configure_django(base_url: str) -> None:
    import django
    from django.conf import settings

    settings.configure(
        DEBUG=False,
        ALLOWED_HOSTS=["*"],
        SECRET_KEY="benchmark",
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=["render_sdk.contrib.django"],
        MIDDLEWARE=[
            "django.middleware.common.CommonMiddleware",
            "render_sdk.contrib.django.RenderErrorMiddleware",
        ],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        RENDER_SDK={"BASE_URL": base_url, "API_KEY": "benchmark", "MAX_RETRIES": 0},
        USE_TZ=True,
    )
    django.setup()


def start_view(request: Any) -> Any:
    from django.http import JsonResponse

    from render_sdk.contrib.django import get_client

    run = get_client().workflows.start_task(TASK, [3])
    return JsonResponse({"id": run.id, "status": run.status.value}, status=202)


def on_commit_view(request: Any) -> Any:
    from django.db import transaction
    from django.http import JsonResponse

    from render_sdk.contrib.django import start_task_on_commit

    with transaction.atomic():
        pending = start_task_on_commit(TASK, [3])
    return JsonResponse({"id": pending.run.id}, status=202)


def _urlpatterns() -> list[Any]:
    from django.urls import path

    return [path("start", start_view), path("start-on-commit", on_commit_view)]


def __getattr__(name: str) -> Any:
    # Django reads ``urlpatterns`` from ROOT_URLCONF (this module) after setup.
    if name == "urlpatterns":
        return _urlpatterns()
    raise AttributeError(name)


def wsgi_caller(path: str) -> Callable[[], None]:
    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()

    def call() -> None:
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": path,
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "80",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
            "CONTENT_LENGTH": "0",
        }
        statuses: list[str] = []
        body = b"".join(handler(environ, lambda status, headers: statuses.append(status)))
        if not statuses[0].startswith("202"):
            raise RuntimeError(f"{path} answered {statuses[0]}: {body[:200]!r}")

    return call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=400)
    parser.add_argument("--warmup", type=int, default=30)
    args = parser.parse_args()

    with local_server() as base_url:
        configure_django(base_url)
        from render_sdk.contrib.django import get_client

        client = get_client()
        contenders: dict[str, Callable[[], None]] = {
            "direct": lambda: client.workflows.start_task(TASK, [3]) and None,
            "view": wsgi_caller("/start"),
            "on_commit": wsgi_caller("/start-on-commit"),
        }
        samples: dict[str, list[float]] = {name: [] for name in contenders}
        for round_number in range(args.warmup + args.rounds):
            order = list(contenders.items())
            if round_number % 2:
                order.reverse()
            for name, call in order:
                begin = time.perf_counter()
                call()
                elapsed = time.perf_counter() - begin
                if round_number >= args.warmup:
                    samples[name].append(elapsed)

    medians = {name: statistics.median(values) * 1000 for name, values in samples.items()}
    direct = medians["direct"]
    report = {
        "rounds": args.rounds,
        "median_ms": {name: round(value, 3) for name, value in medians.items()},
        "added_ms": {name: round(value - direct, 3) for name, value in medians.items()},
        "ratio": {name: round(value / direct, 3) for name, value in medians.items()},
        # The same, from each round's own pair (both calls a moment apart).
        "paired_added_ms": {
            name: round(
                statistics.median(
                    (mine - base) * 1000
                    for mine, base in zip(values, samples["direct"], strict=True)
                ),
                3,
            )
            for name, values in samples.items()
            if name != "direct"
        },
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
