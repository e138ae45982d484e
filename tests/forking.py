"""Run a function in forked children and collect what each one reports through a pipe."""

from __future__ import annotations

import os
import signal
import traceback
from collections.abc import Callable

#: Seconds a child may run before SIGALRM ends it (a hang must fail, not block the suite).
CHILD_DEADLINE = 30


def run_in_children(body: Callable[[int], None], children: int) -> list[str]:
    """Fork ``children`` processes; child ``n`` runs ``body(n)`` then leaves with ``os._exit``.

    Returns one report per child: "" for a child that finished ``body`` and exited 0;
    otherwise its traceback, or how it died. Children never return into the test runner.
    """
    started: list[tuple[int, int]] = []
    for number in range(children):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child
            os.close(read_end)
            # The default action (not pytest-timeout's handler, inherited from the parent)
            # ends the child even while its threads block a clean exit.
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
            signal.alarm(CHILD_DEADLINE)
            code, report = 0, b""
            try:
                body(number)
            except BaseException:  # everything, even SystemExit, is reported to the parent
                code, report = 1, traceback.format_exc().encode()
            try:
                os.write(write_end, report)
            finally:
                os._exit(code)
        os.close(write_end)
        started.append((pid, read_end))
    reports = []
    for pid, read_end in started:
        with os.fdopen(read_end, "rb") as pipe:
            text = pipe.read().decode()
        _, status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(status):
            text += f"\nchild killed by signal {os.WTERMSIG(status)} (hung?)"
        elif os.WEXITSTATUS(status) != 0 and not text:
            text = f"child exited with {os.WEXITSTATUS(status)}"
        reports.append(text)
    return reports
