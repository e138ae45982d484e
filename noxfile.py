"""Development sessions: tests, lint, typecheck, codegen, benchmarks, demo."""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "venv"
nox.options.sessions = [
    "lint",
    "typecheck",
    "codegen_check",
    "tests",
    "examples",
    "browser",
    "conformance",
]
nox.options.reuse_existing_virtualenvs = True

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
CODEGEN_PYTHON = "3.11"  # the tokenizer differs across versions; generate with one
PYPROJECT = nox.project.load_toml("pyproject.toml")


def group(name: str) -> list[str]:
    """The packages of one [dependency-groups] entry of pyproject.toml."""
    return nox.project.dependency_groups(PYPROJECT, name)


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Run the test suite (unit, both client twins, local server, integration)."""
    session.install("-e", ".[all]", *group("test"))
    session.run("pytest", "-q", "-p", "no:cacheprovider", *session.posargs)


@nox.session(python=CODEGEN_PYTHON)
def browser(session: nox.Session) -> None:
    """The dashboard in headless Chromium: Debian's `chromium` package, driven by Playwright.

    Playwright's own browser download is never used (no `playwright install`): when
    Chromium is missing, the session installs Debian's package itself where it may (as
    root, with apt-get), so the README's one test command works on a fresh machine.
    `pytest` alone leaves tests/browser out.
    """
    _ensure_chromium(session)
    session.install("-e", ".[server]", *group("browser"))
    session.run("pytest", "-q", "-p", "no:cacheprovider", "tests/browser", *session.posargs)


def _ensure_chromium(session: nox.Session) -> None:
    import os
    import shutil

    if shutil.which("chromium"):
        return
    if not shutil.which("apt-get") or os.geteuid() != 0:
        session.error("the browser tests need Debian's chromium: apt-get install chromium")
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    session.run("apt-get", "update", "-qq", external=True, env=env)
    session.run(
        "apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium",
        external=True, env=env,
    )  # fmt: skip


@nox.session(python=CODEGEN_PYTHON)
def screenshots(session: nox.Session) -> None:
    """Remake the dashboard's screenshots in docs/img/ (light and dark)."""
    _ensure_chromium(session)
    session.install("-e", ".[server]", *group("browser"))
    session.run("python", "docs/screenshots.py", *session.posargs)


@nox.session(python=CODEGEN_PYTHON)
def lint(session: nox.Session) -> None:
    """ruff lint and format check, and the codegen drift check."""
    session.install(*group("lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("python", "-m", "codegen", "--check")


@nox.session(python=CODEGEN_PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package and on codegen."""
    session.install("-e", ".[all]", *group("typecheck"))
    session.run("mypy", "--strict", "render_sdk", "codegen")


@nox.session(python=CODEGEN_PYTHON)
def codegen(session: nox.Session) -> None:
    """Regenerate render_sdk/_sync and tests/_sync from their async sources."""
    session.install(*group("lint"))
    session.run("python", "-m", "codegen")


@nox.session(python=CODEGEN_PYTHON)
def codegen_check(session: nox.Session) -> None:
    """Fail if the generated twins drifted from their async sources."""
    session.install(*group("lint"))
    session.run("python", "-m", "codegen", "--check")


@nox.session(python=CODEGEN_PYTHON)
def bench(session: nox.Session) -> None:
    """render_sdk vs Render's official SDK vs raw requests/httpx (`-- --quick` for a short run).

    The bench venv holds all three contenders (they share no conflicting dependency);
    start-up is measured in three more venvs, each with only what one contender needs.
    See docs/benchmarks.md.
    """
    import json
    from pathlib import Path

    session.install("-e", ".[all]", "render", "matplotlib")
    root = Path(session.cache_dir) / "bench-startup"
    wanted = {"render_sdk": ["-e", "."], "official": ["render"], "raw": ["requests"]}
    pythons = []
    for name, requirements in wanted.items():
        env = root / name
        python = env / "bin" / "python"
        marker = env / "bench-requirements.json"
        if not python.exists():
            session.run("python", "-m", "venv", str(env), silent=True)
        if not marker.exists() or json.loads(marker.read_text()) != requirements:
            session.run(str(python), "-m", "pip", "install", "-q", *requirements, external=True)
            marker.write_text(json.dumps(requirements))
        pythons += ["--startup-python", f"{name}={python}"]
    session.run("python", "benchmarks/bench.py", *pythons, *session.posargs)


@nox.session(python=CODEGEN_PYTHON)
def docs(session: nox.Session) -> None:
    """Build the documentation site (mkdocs, strict: broken links and references fail)."""
    session.install("-e", ".[all]", *group("docs"))
    session.run("mkdocs", "build", "--strict", "--site-dir", "site")


@nox.session(python=CODEGEN_PYTHON)
def demo(session: nox.Session) -> None:
    """Start the local server with the example workflow and drive it with both clients."""
    session.install("-e", ".[all]")
    session.run("python", "-m", "render_sdk.local.demo")


@nox.session(python=CODEGEN_PYTHON)
def conformance(session: nox.Session) -> None:
    """Drive the local server with Render's official Python client (`render` on the index)."""
    runner = [req for req in group("test") if req.startswith(("pytest>", "pytest-asyncio"))]
    session.install("-e", ".[server]", "render", *runner)
    session.run(
        "python", "-c", "import importlib.metadata as m; print('render', m.version('render'))"
    )
    session.run("pytest", "-q", "-p", "no:cacheprovider", "conformance", *session.posargs)


@nox.session(python=CODEGEN_PYTHON)
def load(session: nox.Session) -> None:
    """The load tests at full size: 10,000 calls from 32 threads and from 500 coroutines."""
    session.install("-e", ".[all]", *group("test"))
    session.env["RENDER_SDK_LOAD_CALLS"] = "10000"
    session.run(
        "pytest",
        "-q",
        "-s",
        "-p",
        "no:cacheprovider",
        "tests/reliability/test_load.py",
        *session.posargs,
    )


@nox.session(python=CODEGEN_PYTHON)
def examples(session: nox.Session) -> None:
    """render_sdk.contrib with Django, Flask and FastAPI, and the examples/ apps and script.

    Each example runs in its own process: they are separate projects (two are named
    ``app``, and Django is configured once per process).
    """
    session.install("-e", ".[all]", *group("test"), *group("examples"))
    pytest = ["pytest", "-q", "-p", "no:cacheprovider"]
    session.run(*pytest, "tests/contrib", *session.posargs)
    for example in ("examples/flask_app", "examples/fastapi_app", "examples/test_script.py"):
        session.run(*pytest, example)
    with session.chdir("examples/django_app"):
        session.run("python", "-W", "error::ResourceWarning", "manage.py", "test", "-v", "1")


@nox.session(python=CODEGEN_PYTHON)
def fork_gunicorn(session: nox.Session) -> None:
    """gunicorn --preload -w 4 with a Client used before fork: 2,000 requests, all must match.

    `-- --sdk-path DIR` runs the workers on another checkout of render_sdk, to compare.
    """
    session.install("-e", ".[all]", *group("fork-bench"))
    session.run("python", "benchmarks/fork_gunicorn.py", *session.posargs)
