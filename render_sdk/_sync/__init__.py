# This file is generated from render_sdk/_async/__init__.py by codegen — do not edit.
"""The asyncio client: the hand-written source of truth that codegen turns into ``_sync``."""
