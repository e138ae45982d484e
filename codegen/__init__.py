"""Generate the blocking twin of the SDK from its hand-written async source.

``python -m codegen`` rewrites ``render_sdk/_async`` into ``render_sdk/_sync``
(and ``tests/_async`` into ``tests/_sync``) with the ``unasync`` library;
``python -m codegen --check`` verifies the committed twin without writing.
The folders and token replacements live in :mod:`codegen.rules`.
"""
