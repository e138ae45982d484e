"""``render-sdk runs tree ROOT_RUN_ID``: a run's subtask tree with statuses and durations.

Built only from the public API: one read of the run, then the runs listed under
its root (``list_task_runs(root_task_run_id=...)``), linked by ``parent_task_run_id``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from render_sdk.models import TaskRun, TaskRunDetails

from ._common import outcome_code, run_json, task_label, task_names, validate_run_ids
from ._output import Output, format_duration, status_style, status_symbol
from ._state import EXIT_OK, CliState

if TYPE_CHECKING:
    from render_sdk import Client

__all__ = ["TreeNode", "build_tree", "show_tree", "tree_json", "tree_lines"]

_MAX_RUNS = 10_000
_FOLLOW_INTERVAL = 0.5


@dataclass
class TreeNode:
    """One run of the tree and the subtasks it started, oldest first."""

    run: TaskRun
    children: list[TreeNode] = field(default_factory=list)

    def walk(self) -> list[TreeNode]:
        """This node and every node below it, depth first."""
        nodes = [self]
        for child in self.children:
            nodes.extend(child.walk())
        return nodes

    @property
    def finished(self) -> bool:
        """Whether every run of the (sub)tree reached a terminal status."""
        return all(node.run.is_terminal for node in self.walk())


def build_tree(top: TaskRun, runs: Sequence[TaskRun]) -> TreeNode:
    """Link ``runs`` (any order) under ``top`` by their parent ids.

    Runs whose parent is not among them (a listing cut short) hang under ``top``'s
    root so that none is silently dropped.
    """
    nodes = {run.id: TreeNode(run) for run in runs}
    nodes[top.id] = TreeNode(top)
    ordered = sorted(nodes.values(), key=lambda n: (_start_key(n.run), n.run.id))
    root_id = top.root_task_run_id or top.id
    for node in ordered:
        run = node.run
        if run.id == root_id or not run.parent_task_run_id:
            continue
        parent = nodes.get(run.parent_task_run_id) or nodes.get(root_id)
        if parent is not None and parent is not node:
            parent.children.append(node)
    return nodes[top.id]


def _start_key(run: TaskRun) -> datetime:
    moment = run.started_at or (run.attempts[0].started_at if run.attempts else None)
    return moment or datetime.max.replace(tzinfo=timezone.utc)  # unknown start: last


def _label_cells(node: TreeNode, names: dict[str, str], tty: bool) -> list[tuple[str, Any]]:
    run = node.run
    style = status_style(run.status)
    mark = f"{status_symbol(run.status)} " if tty else ""
    cells: list[tuple[str, Any]] = [
        (f"{mark}{task_label(run.task_id, names)}", "bold"),
        (run.id, "dim"),
        (str(run.status), style),
        (format_duration(run), None),
    ]
    if run.retries:
        cells.append((f"retries: {run.retries}", "yellow"))
    if isinstance(run, TaskRunDetails) and run.error:
        cells.append((run.error.splitlines()[0] if run.error else "", "red"))
    return cells


def tree_lines(node: TreeNode, names: dict[str, str]) -> list[str]:
    """The tree as plain text lines, with box-drawing branches."""
    lines: list[str] = []

    def visit(current: TreeNode, prefix: str, branch: str) -> None:
        text = "  ".join(piece for piece, _ in _label_cells(current, names, tty=False))
        lines.append(f"{prefix}{branch}{text}")
        below = prefix + ("" if not branch else ("    " if branch == "└── " else "│   "))
        for index, child in enumerate(current.children):
            last = index == len(current.children) - 1
            visit(child, below, "└── " if last else "├── ")

    visit(node, "", "")
    return lines


def tree_json(node: TreeNode, names: dict[str, str]) -> dict[str, Any]:
    """The tree as JSON: each run's API fields plus ``task`` (name) and ``children``."""
    body: dict[str, Any] = dict(run_json(node.run))
    body["task"] = task_label(node.run.task_id, names)
    body["children"] = [tree_json(child, names) for child in node.children]
    return body


def _rich_tree(node: TreeNode, names: dict[str, str]) -> Any:
    from rich.text import Text
    from rich.tree import Tree

    def label(current: TreeNode) -> Text:
        text = Text()
        for index, (piece, style) in enumerate(_label_cells(current, names, tty=True)):
            if index:
                text.append("  ")
            text.append(piece, style=style or "")
        return text

    def add(parent: Tree, current: TreeNode) -> None:
        branch = parent.add(label(current))
        for child in current.children:
            add(branch, child)

    tree = Tree(label(node))
    for child in node.children:
        add(tree, child)
    return tree


def _finished(node: TreeNode) -> bool:
    # A call, not the property: the tree is read again between checks.
    return node.finished


def _fetch(client: Client, run_id: str) -> TreeNode:
    top = client.workflows.get_task_run(run_id)
    root_id = top.root_task_run_id or top.id
    runs = [
        run
        for run in client.workflows.list_task_runs(
            root_task_run_id=root_id, limit=100, max_items=_MAX_RUNS
        )
        if run.id != top.id
    ]
    # Failed runs carry their error only in the details: read those, they are few.
    detailed = [
        client.workflows.get_task_run(run.id) if run.status.value == "failed" else run
        for run in runs
    ]
    return build_tree(top, detailed)


def show_tree(
    state: CliState,
    *,
    run_id: str,
    follow: bool,
    json_mode: bool,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Print the tree under ``run_id``; with ``follow``, only once every run has finished.

    On a terminal, following redraws the tree in place as runs change; elsewhere the
    finished tree is printed once. Exit code with ``follow``: as ``runs wait`` for the
    top run (1 failed, 3 canceled); else 0.
    """
    out = Output(json_mode=json_mode)
    (run_id,) = validate_run_ids([run_id])
    client = state.client()
    node = _fetch(client, run_id)
    names = task_names(client, {n.run.task_id for n in node.walk()})
    if follow and not _finished(node):
        if out.live:
            from rich.live import Live

            with Live(_rich_tree(node, names), console=out.console, refresh_per_second=4) as live:
                while not _finished(node):
                    sleep(_FOLLOW_INTERVAL)
                    node = _fetch(client, run_id)
                    names.update(
                        task_names(client, {n.run.task_id for n in node.walk()} - set(names))
                    )
                    live.update(_rich_tree(node, names))
            return outcome_code([node.run.status])
        while not _finished(node):
            sleep(_FOLLOW_INTERVAL)
            node = _fetch(client, run_id)
        names.update(task_names(client, {n.run.task_id for n in node.walk()} - set(names)))
    if json_mode:
        out.json(tree_json(node, names))
    elif out.tty:
        out.console.print(_rich_tree(node, names))
    else:
        for line in tree_lines(node, names):
            out.line(line)
    return outcome_code([node.run.status]) if follow else EXIT_OK
