"""Task registration: the ``Workflow`` decorator API and the server's table of tasks."""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar, overload

__all__ = [
    "OWNER_ID",
    "RegisteredTask",
    "TaskOptions",
    "TaskRegistry",
    "TaskResolutionError",
    "Workflow",
    "collect_workflows",
    "load_module",
    "task",
]

F = TypeVar("F", bound=Callable[..., Any])

OWNER_ID = "tea-local0000000000000"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_TASK_MARK = "__render_sdk_local_task__"


def slug_from_module_name(module_name: str) -> str:
    """``my_pkg.my_tasks`` gives ``my-tasks``: the last part, underscores as hyphens."""
    return module_name.rsplit(".", 1)[-1].replace("_", "-").lower() or "workflow"


def slug_from_folder(path: str | Path) -> str:
    """A workflow slug from a folder's name: ``My_Tasks v2`` gives ``my-tasks-v2``."""
    name = Path(path).resolve().name.lower()
    return re.sub(r"[^a-z0-9]+", "-", name).strip("-") or "workflow"


@dataclass(frozen=True)
class TaskOptions:
    """How a task is run: retries, the delay between attempts, and a time limit."""

    name: str | None = None
    max_retries: int = 0
    backoff: float = 0.0
    backoff_factor: float = 2.0
    timeout: float | None = None

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        if self.backoff < 0 or self.backoff_factor < 1:
            raise ValueError("backoff must be >= 0 and backoff_factor >= 1")
        if self.timeout is not None and self.timeout <= 0:
            raise ValueError("timeout must be > 0 seconds")

    def delay_before(self, attempt: int) -> float:
        """Seconds to wait before attempt number ``attempt`` (0-based; 0 waits nothing)."""
        if attempt <= 0:
            return 0.0
        return float(self.backoff * self.backoff_factor ** (attempt - 1))


@dataclass(frozen=True)
class TaskFunction:
    """A function with its options, as written by the user.

    ``external`` tasks live in a worker process (Render's worker protocol); their
    ``func`` is never called in the server.
    """

    name: str
    func: Callable[..., Any]
    options: TaskOptions
    external: bool = False


def _task_function(func: Callable[..., Any], options: TaskOptions) -> TaskFunction:
    if not callable(func):
        raise TypeError(f"a task must be a function, got {func!r}")
    name = options.name or getattr(func, "__name__", None)
    if not name or "/" in name or ":" in name:
        raise ValueError(f"invalid task name {name!r}: no '/' or ':' allowed")
    return TaskFunction(name=name, func=func, options=options)


class Workflow:
    """A named group of tasks: ``wf = Workflow("my-workflow")`` then ``@wf.task``."""

    def __init__(self, slug: str | None = None, *, version: str = "v1") -> None:
        """Create a workflow; without ``slug`` it is named after the calling module."""
        if slug is None:
            frame = inspect.currentframe()
            caller = frame.f_back if frame is not None else None
            module_name = caller.f_globals.get("__name__", "workflow") if caller else "workflow"
            slug = slug_from_module_name(str(module_name))
        self.slug = _check_slug(slug)
        if not version or "/" in version or ":" in version:
            raise ValueError(f"invalid workflow version {version!r}")
        self.version = version
        self.tasks: dict[str, TaskFunction] = {}

    def __repr__(self) -> str:
        return f"Workflow({self.slug!r}, tasks={list(self.tasks)!r})"

    @overload
    def task(self, func: F, /) -> F: ...

    @overload
    def task(
        self,
        /,
        *,
        name: str | None = None,
        max_retries: int = 0,
        backoff: float = 0.0,
        backoff_factor: float = 2.0,
        timeout: float | None = None,
    ) -> Callable[[F], F]: ...

    def task(
        self,
        func: F | None = None,
        /,
        *,
        name: str | None = None,
        max_retries: int = 0,
        backoff: float = 0.0,
        backoff_factor: float = 2.0,
        timeout: float | None = None,
    ) -> F | Callable[[F], F]:
        """Register a sync or async function as a task of this workflow (a decorator)."""
        options = TaskOptions(name, max_retries, backoff, backoff_factor, timeout)

        def register(f: F) -> F:
            self.add(f, options)
            return f

        return register(func) if func is not None else register

    async def run(
        self,
        task: Callable[..., Any] | str,
        *args: Any,
        idempotency_key: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """From inside a running task: run ``task`` as a subtask and return its result.

        ``task`` is a registered function or a task name. Positional or keyword
        arguments (not both) are its input. A failed or canceled subtask raises
        :class:`render_sdk.local.SubtaskError`.
        """
        from render_sdk.local.subtasks import run_subtask

        return await run_subtask(task, *args, idempotency_key=idempotency_key, **kwargs)

    def run_sync(
        self,
        task: Callable[..., Any] | str,
        *args: Any,
        idempotency_key: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """:meth:`run` for sync task functions: blocks the task's thread until the result."""
        from render_sdk.local.subtasks import run_subtask_sync

        return run_subtask_sync(task, *args, idempotency_key=idempotency_key, **kwargs)

    def add(self, func: Callable[..., Any], options: TaskOptions | None = None) -> None:
        """Register ``func`` without the decorator syntax."""
        entry = _task_function(func, options or TaskOptions())
        if entry.name in self.tasks:
            raise ValueError(f"task {entry.name!r} is registered twice in {self.slug!r}")
        self.tasks[entry.name] = entry


def _check_slug(slug: str) -> str:
    if not _SLUG.match(slug):
        raise ValueError(
            f"invalid workflow slug {slug!r}: use lowercase letters, digits and hyphens"
        )
    return slug


@overload
def task(func: F, /) -> F: ...


@overload
def task(
    *,
    name: str | None = None,
    max_retries: int = 0,
    backoff: float = 0.0,
    backoff_factor: float = 2.0,
    timeout: float | None = None,
) -> Callable[[F], F]: ...


def task(
    func: F | None = None,
    /,
    *,
    name: str | None = None,
    max_retries: int = 0,
    backoff: float = 0.0,
    backoff_factor: float = 2.0,
    timeout: float | None = None,
) -> F | Callable[[F], F]:
    """Mark a top-level function as a task of its module's default workflow."""
    options = TaskOptions(name, max_retries, backoff, backoff_factor, timeout)

    def mark(f: F) -> F:
        _task_function(f, options)  # validate now, not when the server loads the module
        setattr(f, _TASK_MARK, options)
        return f

    return mark(func) if func is not None else mark


def load_module(target: str) -> ModuleType:
    """Import a tasks module given as a dotted name or as a path to a ``.py`` file."""
    path = Path(target)
    if target.endswith(".py") or path.is_file():
        if not path.is_file():
            raise FileNotFoundError(f"no such tasks file: {target}")
        name = path.stem
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load tasks file {target}")
        module = importlib.util.module_from_spec(spec)
        # Registered so that pickling, dataclasses and relative lookups behave.
        sys.modules.setdefault(name, module)
        spec.loader.exec_module(module)
        return module
    return importlib.import_module(target)


def collect_workflows(
    source: ModuleType | str | Workflow | Iterable[Workflow], workflow_slug: str | None = None
) -> list[Workflow]:
    """Find the workflows to serve: every ``Workflow`` of a module plus its ``@task`` functions.

    ``workflow_slug`` renames the workflow when there is exactly one (the usual case).
    """
    if isinstance(source, str):
        source = load_module(source)
    if isinstance(source, Workflow):
        workflows = [source]
    elif isinstance(source, ModuleType):
        workflows = _module_workflows(source)
    else:
        workflows = list(source)
        for item in workflows:
            if not isinstance(item, Workflow):
                raise TypeError(f"expected Workflow objects, got {item!r}")
    if not workflows or not any(wf.tasks for wf in workflows):
        raise ValueError("no tasks found: define a Workflow and decorate functions with @wf.task")
    if workflow_slug is not None:
        if len(workflows) != 1:
            raise ValueError("a workflow slug override needs exactly one workflow")
        _check_slug(workflow_slug)
        renamed = Workflow(workflow_slug, version=workflows[0].version)
        renamed.tasks = dict(workflows[0].tasks)
        workflows = [renamed]
    slugs = [wf.slug for wf in workflows]
    if len(set(slugs)) != len(slugs):
        raise ValueError(f"two workflows share a slug: {slugs}")
    return workflows


def _module_workflows(module: ModuleType) -> list[Workflow]:
    found: list[Workflow] = []
    loose = Workflow(slug_from_module_name(module.__name__))
    for value in vars(module).values():
        if isinstance(value, Workflow) and all(value is not wf for wf in found):
            found.append(value)
        options = getattr(value, _TASK_MARK, None)
        mine = getattr(value, "__module__", None) == module.__name__
        if isinstance(options, TaskOptions) and callable(value) and mine:
            loose.add(value, options)
    if loose.tasks:
        same = [wf for wf in found if wf.slug == loose.slug]
        if same:
            for entry in loose.tasks.values():
                same[0].add(entry.func, entry.options)
        else:
            found.append(loose)
    return found


def _stable_id(prefix: str, *parts: str) -> str:
    digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()
    return f"{prefix}-{digest[:20]}"


@dataclass(frozen=True)
class RegisteredTask:
    """A task as the server knows it: function, identifiers and creation time."""

    id: str
    name: str
    workflow_slug: str
    workflow_id: str
    workflow_version_id: str
    version: str
    created_at: datetime
    function: TaskFunction

    @property
    def slug(self) -> str:
        """The task slug ``workflow-slug/task-name``."""
        return f"{self.workflow_slug}/{self.name}"


class TaskResolutionError(LookupError):
    """A task identifier that is malformed (``invalid``) or unknown (``not found``)."""

    def __init__(self, message: str, *, malformed: bool) -> None:
        """Record whether the identifier was malformed rather than unknown."""
        super().__init__(message)
        self.malformed = malformed


@dataclass
class TaskRegistry:
    """Every task the server serves, found by ID or by slug (with optional version)."""

    tasks: list[RegisteredTask] = field(default_factory=list)

    @classmethod
    def build(cls, workflows: Sequence[Workflow]) -> TaskRegistry:
        """Assign IDs (stable across restarts: derived from the names) to every task."""
        now = datetime.now(timezone.utc)
        tasks = []
        for wf in workflows:
            workflow_id = _stable_id("wfl", wf.slug)
            version_id = _stable_id("wfv", wf.slug, wf.version)
            for entry in wf.tasks.values():
                tasks.append(
                    RegisteredTask(
                        id=_stable_id("tsk", wf.slug, entry.name),
                        name=entry.name,
                        workflow_slug=wf.slug,
                        workflow_id=workflow_id,
                        workflow_version_id=version_id,
                        version=wf.version,
                        created_at=now,
                        function=entry,
                    )
                )
        return cls(tasks)

    def by_id(self, task_id: str) -> RegisteredTask | None:
        """The task with this ``tsk-…`` ID, if any."""
        return next((t for t in self.tasks if t.id == task_id), None)

    def resolve(self, identifier: str) -> RegisteredTask:
        """Find a task by ``tsk-…`` ID, ``workflow/task`` or ``workflow/task:version``."""
        if identifier.startswith("tsk-"):
            found = self.by_id(identifier)
            if found is None:
                raise TaskResolutionError(f"task {identifier!r} not found", malformed=False)
            return found
        slug, _, version = identifier.partition(":")
        workflow_slug, slash, name = slug.partition("/")
        if not slash or not workflow_slug or not name or "/" in name or (_ and not version):
            raise TaskResolutionError(
                f"invalid task identifier {identifier!r}: expected 'workflow-slug/task-name', "
                "'workflow-slug/task-name:version' or a task ID 'tsk-…'",
                malformed=True,
            )
        for candidate in self.tasks:
            if candidate.workflow_slug == workflow_slug and candidate.name == name:
                if version and version not in (candidate.version, candidate.workflow_version_id):
                    raise TaskResolutionError(
                        f"version {version!r} of task {slug!r} not found "
                        f"(this server has {candidate.version!r})",
                        malformed=False,
                    )
                return candidate
        raise TaskResolutionError(f"task {slug!r} not found", malformed=False)
