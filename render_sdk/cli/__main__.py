"""``python -m render_sdk.cli``: the ``render-sdk`` command."""

from render_sdk.cli import main

main()
