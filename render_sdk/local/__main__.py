"""``python -m render_sdk.local TASKS_MODULE``: serve a tasks module locally."""

from __future__ import annotations

import sys

from render_sdk.local.command import main

if __name__ == "__main__":
    sys.exit(main())
