"""Integrations with web frameworks: Django, Flask, and asyncio apps (FastAPI, Starlette).

Each module imports its framework only when it is itself imported, and ``import
render_sdk`` imports none of them:

- ``render_sdk.contrib.django``: an installable app with a lazily created, process-wide
  ``Client`` configured from ``settings.RENDER_SDK``, ``start_task_on_commit``, system
  checks and a middleware that turns SDK errors into JSON responses.
- ``render_sdk.contrib.flask``: the ``RenderWorkflows`` extension (``init_app`` for app
  factories), one ``Client`` per app configured from ``app.config``.
- ``render_sdk.contrib.fastapi``: one ``AsyncClient`` per app opened in the lifespan and
  handed to handlers by a dependency.
- ``render_sdk.contrib.http``: the one table from SDK errors to HTTP statuses and JSON
  bodies that the three share.
"""
