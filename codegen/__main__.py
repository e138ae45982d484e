"""Entry point for ``python -m codegen`` (run from the repository root)."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
