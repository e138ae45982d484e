# This file is generated from render_sdk/_async/__init__.py by codegen — do not edit.
"""The blocking client, generated from ``_async`` by codegen (never edited by hand)."""
