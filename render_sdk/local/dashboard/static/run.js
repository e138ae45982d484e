// "/runs/<id>": a run's status (live), timings, attempts, input, results, error, its
// place in the run tree, its logs, and Cancel run while it is unfinished.

import { ApiError, getJson, listAllTasks, onServerState, request } from "./api.js";
import {
  durationEl, h, notice, runLink, setBreadcrumbs, setTitle, statusBadge, taskHref, timeEl,
} from "./dom.js";
import { isTerminal, prettyJson } from "./format.js";
import { RunWatcher } from "./live.js";
import { LogsPanel } from "./logs.js";

const TREE_PAGE = 100;
const TREE_MAX_PAGES = 10;
const TREE_POLL_MS = 2000;
// Unfinished runs of the tree followed on the events stream (their ids go in its URL);
// the rest of a larger tree is kept current by re-reading it.
const MAX_FOLLOWED = 50;

function summary(run, task) {
  const parent = run.parentTaskRunId;
  const isRoot = !run.rootTaskRunId || run.rootTaskRunId === run.id;
  // Read in pairs across the two columns: what and how often, when, how long, where from.
  return h("dl", { class: "facts wide", id: "run-summary" },
    h("dt", {}, "Task"), h("dd", {}, task ? h("a", { href: taskHref(task) }, task.slug || task.name) : h("span", { class: "mono" }, run.taskId)),
    h("dt", {}, "Retries"), h("dd", {}, String(run.retries ?? 0)),
    h("dt", {}, "Started"), h("dd", {}, timeEl(run.startedAt)),
    h("dt", {}, "Completed"), h("dd", {}, timeEl(run.completedAt)),
    h("dt", {}, "Duration"), h("dd", {}, durationEl(run.startedAt, run.completedAt)),
    h("dt", {}, "Attempts"), h("dd", {}, String((run.attempts || []).length)),
    h("dt", {}, "Parent run"), h("dd", {}, parent ? runLink(parent) : h("span", { class: "muted" }, "none (a root run)")),
    h("dt", {}, "Root run"), h("dd", {}, isRoot ? h("span", { class: "muted" }, "this run") : runLink(run.rootTaskRunId)),
  );
}

function attemptsTable(run) {
  const attempts = run.attempts || [];
  if (!attempts.length) return notice("No attempt has started yet.");
  return h("div", { class: "table-wrap" },
    h("table", { class: "attempts" },
      h("caption", { class: "visually-hidden" }, "Attempts"),
      h("thead", {}, h("tr", {}, ["Attempt", "Status", "Started", "Completed", "Duration", "Error"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, attempts.map((a) => h("tr", {},
        h("td", { class: "num" }, String(a.attempt + 1)),
        h("td", {}, statusBadge(a.status)),
        h("td", {}, timeEl(a.startedAt)),
        h("td", {}, timeEl(a.completedAt)),
        h("td", {}, durationEl(a.startedAt, a.completedAt)),
        h("td", { class: "error-text" }, a.error || ""))))));
}

function jsonBlock(id, title, value, empty) {
  return h("section", { "aria-labelledby": id, class: "card" },
    h("h2", { id }, title),
    value === undefined ? notice(empty) : h("pre", { class: "json", tabindex: "0", "aria-labelledby": id }, prettyJson(value)));
}

function details(run) {
  const blocks = [
    h("section", { "aria-labelledby": "attempts-title", class: "card" },
      h("h2", { id: "attempts-title" }, "Attempts"), attemptsTable(run)),
    jsonBlock("input-title", "Input", run.input, "No input recorded."),
  ];
  if (isTerminal(run.status) || (run.results && run.results.length)) {
    blocks.push(jsonBlock("results-title", "Results", run.results, "No results."));
  }
  if (run.error) {
    blocks.push(h("section", { "aria-labelledby": "error-title", class: "card error-card" },
      h("h2", { id: "error-title" }, "Error"),
      h("pre", { class: "error-text", tabindex: "0" }, run.error)));
  }
  return blocks;
}

/** Every run of the tree rooted at `rootId` (paged; bounded for very large trees). */
async function treeRuns(rootId) {
  const runs = [];
  let cursor;
  for (let i = 0; i < TREE_MAX_PAGES; i++) {
    const page = await getJson("/v1/task-runs", { rootTaskRunId: rootId, limit: TREE_PAGE, cursor });
    for (const item of page) runs.push(item.taskRun);
    if (page.length < TREE_PAGE) return { runs, complete: true };
    cursor = page[page.length - 1].cursor;
  }
  return { runs, complete: false };
}

function treeView(runs, rootId, currentId, tasksById, complete) {
  const children = new Map();
  const byId = new Map(runs.map((r) => [r.id, r]));
  for (const run of runs) {
    if (run.id === rootId) continue;
    const parent = byId.has(run.parentTaskRunId) ? run.parentTaskRunId : rootId;
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(run);
  }
  const node = (run) => {
    const task = tasksById.get(run.taskId);
    const label = run.id === currentId
      ? h("strong", { class: "mono", "aria-current": "page" }, run.id)
      : runLink(run.id);
    // The list reads newest first; a tree reads in start order.
    const kids = (children.get(run.id) || []).slice().reverse();
    return h("li", {},
      h("span", { class: "tree-item" }, label, " ", statusBadge(run.status),
        h("span", { class: "muted small" }, task ? ` ${task.name}` : "")),
      kids.length ? h("ul", {}, kids.map(node)) : null);
  };
  const root = byId.get(rootId);
  const section = [];
  if (!root) section.push(notice("The root run is not listed by this server."));
  else section.push(h("ul", { class: "tree", "aria-label": "Run tree" }, node(root)));
  if (runs.length <= 1) section.push(notice("This run tree has no subtasks."));
  if (!complete) section.push(notice(`Showing the first ${runs.length} runs of this tree.`));
  return section;
}

function confirmDialog(onConfirm) {
  const message = h("p", { class: "form-message collapse-empty", role: "alert" });
  const dialog = h("dialog", { id: "cancel-dialog", "aria-labelledby": "cancel-title", "aria-describedby": "cancel-help" });
  const keep = h("button", { type: "button", autofocus: true, onclick: () => dialog.close() }, "Keep running");
  const confirm = h("button", { type: "button", class: "danger", id: "confirm-cancel" }, "Cancel run");
  confirm.addEventListener("click", async () => {
    confirm.disabled = true;
    try {
      await onConfirm();
      dialog.close();
    } catch (err) {
      message.textContent = err.message;
    } finally {
      confirm.disabled = false;
    }
  });
  dialog.append(
    h("h2", { id: "cancel-title" }, "Cancel this run?"),
    h("p", { id: "cancel-help" }, "The run stops now and its result is discarded. This cannot be undone."),
    message,
    h("div", { class: "dialog-actions" }, keep, confirm));
  return {
    dialog,
    open() {
      message.textContent = "";
      dialog.showModal();
      keep.focus();
    },
  };
}

export async function render(main, runId) {
  setBreadcrumbs([{ label: "Workflows", href: "/" }, { label: runId, mono: true }]);
  setTitle(runId);
  let run;
  let tasks;
  try {
    [run, tasks] = await Promise.all([getJson(`/v1/task-runs/${encodeURIComponent(runId)}`), listAllTasks()]);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      main.replaceChildren(h("h1", {}, "Run not found"),
        notice(`This server has no run ${runId}.`, "error"),
        h("p", {}, h("a", { href: "/" }, "Back to the workflows")));
      return;
    }
    throw err;
  }
  const tasksById = new Map(tasks.map((t) => [t.id, t]));
  const task = tasksById.get(run.taskId);
  if (task) {
    setBreadcrumbs([{ label: "Workflows", href: "/" }, { label: task.slug || task.name, href: taskHref(task), mono: true }, { label: runId, mono: true }]);
  }

  const heading = h("h1", {}, "Run ", h("span", { class: "mono" }, runId));
  const statusLine = h("div", { id: "run-status", "aria-live": "polite" });
  const summaryHost = h("div");
  const detailsHost = h("div", { class: "stack" });
  const treeHost = h("div");
  const logs = new LogsPanel({ runId, workflowId: task ? task.workflowId : null });
  const cancelNote = h("p", { class: "form-message", role: "status" });
  let current = run;

  const cancel = confirmDialog(async () => {
    try {
      await request("DELETE", `/v1/task-runs/${encodeURIComponent(runId)}`);
    } catch (err) {
      // A run that ended meanwhile cannot be canceled; show what it ended as.
      if (!(err instanceof ApiError && (err.status === 409 || err.status === 400))) throw err;
      cancelNote.textContent = `The run had already finished: ${err.message}`;
    }
    show(await getJson(`/v1/task-runs/${encodeURIComponent(runId)}`));
  });
  const cancelButton = h("button", { type: "button", class: "danger", id: "cancel-run", onclick: cancel.open }, "Cancel run");

  // The run tree: read whole, then kept current by events for its unfinished runs and
  // re-read while any of them is unfinished (a running run may start new subtasks).
  let tree = null;
  const renderTree = () => {
    treeHost.replaceChildren(...treeView([...tree.runs.values()], tree.rootId, runId, tasksById, tree.complete));
  };
  const treeUnfinished = () => !tree || [...tree.runs.values()].some((r) => !isTerminal(r.status));

  const refreshTree = async () => {
    const rootId = current.rootTaskRunId || current.id;
    const { runs, complete } = await treeRuns(rootId);
    // The current run's own record is newer than the list's when an event beat the read.
    tree = { rootId, complete, runs: new Map(runs.map((r) => [r.id, r.id === runId ? { ...r, status: current.status } : r])) };
    renderTree();
    follow();
  };

  /** Follow the current run while unfinished, and the tree's unfinished runs. */
  function follow() {
    const ids = new Set();
    if (!isTerminal(current.status)) ids.add(runId);
    for (const r of tree ? tree.runs.values() : []) {
      if (ids.size >= MAX_FOLLOWED) break;
      if (!isTerminal(r.status)) ids.add(r.id);
    }
    watcher.watch([...ids]);
  }

  function treeEvent(next) {
    const known = tree.runs.get(next.id);
    tree.runs.set(next.id, { ...known, ...next });
    renderTree();
    follow();
  }

  function show(next) {
    const changed = next.status !== current.status || next.completedAt !== current.completedAt ||
      (next.attempts || []).length !== (current.attempts || []).length;
    current = next;
    document.documentElement.dataset.runStatus = next.status;
    statusLine.replaceChildren(statusBadge(next.status));
    summaryHost.replaceChildren(summary(next, task));
    detailsHost.replaceChildren(...details(next));
    cancelButton.hidden = isTerminal(next.status);
    if (isTerminal(next.status)) logs.finish();
    if (tree && tree.runs.has(runId)) tree.runs.set(runId, { ...tree.runs.get(runId), status: next.status });
    if (changed) refreshTree().catch(() => {});
  }

  const watcher = new RunWatcher({
    onRun: (next) => {
      if (next.id === runId) show(next);
      else if (tree && tree.runs.has(next.id)) treeEvent(next);
    },
    resync: async () => {
      show(await getJson(`/v1/task-runs/${encodeURIComponent(runId)}`));
      await refreshTree();
    },
  });

  main.replaceChildren(
    h("div", { class: "page-head" }, h("div", {}, heading, statusLine), cancelButton),
    cancelNote,
    h("section", { "aria-labelledby": "summary-title", class: "card" },
      h("h2", { id: "summary-title" }, "Summary"), summaryHost),
    detailsHost,
    h("section", { "aria-labelledby": "tree-title", class: "card" },
      h("h2", { id: "tree-title" }, "Run tree"), treeHost),
    logs.element,
    cancel.dialog,
  );
  current = { ...run, status: null };
  show(run);
  logs.start(!isTerminal(run.status));
  follow();
  // Subtasks appear while runs of the tree work; re-read it until all of them end.
  const treeTimer = setInterval(() => {
    if (!treeUnfinished() && isTerminal(current.status)) clearInterval(treeTimer);
    else if (!document.hidden) refreshTree().catch(() => {});
  }, TREE_POLL_MS);
  onServerState((up) => {
    if (up && (treeUnfinished() || !isTerminal(current.status))) watcher.resync().catch(() => {});
  });
}
