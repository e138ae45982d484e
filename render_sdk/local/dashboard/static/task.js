// "/tasks/<workflow>/<task>": the task's runs (newest first, live, one page at a time)
// and the Run task dialog.

import { ApiError, getJson, listRuns, onServerState, request } from "./api.js";
import { h, notice, setBreadcrumbs, setTitle, timeEl } from "./dom.js";
import { parseTaskInput } from "./format.js";
import { RunWatcher } from "./live.js";
import { RunsTable } from "./runs-table.js";

const PAGE = 50;
const DISCOVER_MS = 3000;

function newIdempotencyKey() {
  if (crypto.randomUUID) return `dashboard-${crypto.randomUUID()}`;
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `dashboard-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** The dialog: Input (JSON), Format and validate, Start task. onStarted(run) on success. */
function runDialog(task, slug, onStarted) {
  const message = h("p", { id: "input-message", class: "form-message", role: "alert" });
  const textarea = h("textarea", {
    id: "task-input", name: "input", rows: "10", spellcheck: "false",
    "aria-describedby": "input-help input-message", autocomplete: "off",
  });
  textarea.value = "[]";
  const start = h("button", { type: "submit", class: "primary", id: "start-task" }, "Start task");
  const dialog = h("dialog", { id: "run-dialog", "aria-labelledby": "run-dialog-title" });
  let idempotencyKey = null;

  const showProblem = (text) => {
    message.textContent = text;
    message.className = "form-message error";
    textarea.setAttribute("aria-invalid", "true");
  };
  const check = () => {
    const result = parseTaskInput(textarea.value);
    if (!result.ok) {
      showProblem(result.message);
      textarea.focus();
      return null;
    }
    textarea.value = result.pretty;
    textarea.removeAttribute("aria-invalid");
    message.textContent = Array.isArray(result.value)
      ? `Valid: ${result.value.length} positional argument(s).`
      : `Valid: ${Object.keys(result.value).length} named argument(s).`;
    message.className = "form-message ok";
    return result;
  };
  textarea.addEventListener("input", () => {
    idempotencyKey = null; // a changed input is a different start
    message.textContent = "";
    textarea.removeAttribute("aria-invalid");
  });

  const form = h("form", {
    onsubmit: async (event) => {
      event.preventDefault();
      const result = check();
      if (!result) return;
      // One key per input: a repeated click or a retry after a lost answer starts nothing twice.
      idempotencyKey ??= newIdempotencyKey();
      start.disabled = true;
      start.textContent = "Starting…";
      try {
        const run = await request("POST", "/v1/task-runs", {
          body: { task: slug, input: result.value, idempotencyKey },
        });
        idempotencyKey = null;
        dialog.close();
        onStarted(run);
      } catch (err) {
        showProblem(err instanceof ApiError ? `The server refused the run: ${err.message}` : err.message);
      } finally {
        start.disabled = false;
        start.textContent = "Start task";
      }
    },
  },
    h("h2", { id: "run-dialog-title" }, "Run ", h("span", { class: "mono" }, slug)),
    h("label", { for: "task-input" }, "Input (JSON)"),
    h("p", { id: "input-help", class: "muted small" },
      "A JSON array of positional arguments, such as ", h("code", {}, "[5]"),
      ", or an object of named arguments, such as ", h("code", {}, '{"a": 5}'),
      "; ", h("code", {}, "[]"), " when the task takes none."),
    textarea,
    message,
    h("div", { class: "dialog-actions" },
      h("button", { type: "button", onclick: () => dialog.close() }, "Close"),
      h("button", { type: "button", id: "format-input", onclick: () => check() }, "Format and validate"),
      start),
  );
  dialog.append(form);
  return {
    dialog,
    open() {
      message.textContent = "";
      textarea.removeAttribute("aria-invalid");
      dialog.showModal();
      textarea.focus();
    },
  };
}

export async function render(main, workflow, name) {
  const slug = `${workflow}/${name}`;
  setBreadcrumbs([{ label: "Workflows", href: "/" }, { label: slug, mono: true }]);
  setTitle(slug);
  const [tasks, first] = await Promise.all([
    getJson("/v1/tasks", { taskSlug: slug, limit: 1 }),
    listRuns({ taskSlug: slug }, PAGE),
  ]);
  const task = tasks.length ? tasks[0].task : null;
  if (!task) {
    main.replaceChildren(
      h("h1", {}, slug),
      notice(`This server has no task ${slug}.`, "error"),
      h("p", {}, h("a", { href: "/" }, "See every task")),
    );
    return;
  }

  const table = new RunsTable({ caption: `Runs of ${slug}` });
  table.appendRuns(first.runs);
  let cursor = first.cursor;
  const empty = notice("No runs yet. Press Run task to start one.");
  empty.hidden = table.size > 0;
  const count = h("p", { class: "muted small", id: "runs-count", "aria-live": "polite" });
  const loadMore = h("button", { type: "button", id: "load-more", class: "load-more" }, "Load more runs");

  const refreshFooter = () => {
    empty.hidden = table.size > 0;
    loadMore.hidden = cursor === null;
    count.textContent = cursor === null ? `${table.size} run(s).` : `Showing the newest ${table.size} runs.`;
  };
  const loadNext = async () => {
    if (cursor === null || loadMore.disabled) return;
    loadMore.disabled = true;
    try {
      const next = await listRuns({ taskSlug: slug, cursor }, PAGE);
      table.appendRuns(next.runs);
      cursor = next.cursor;
      watcher.watch(table.unfinishedIds());
    } finally {
      loadMore.disabled = false;
      refreshFooter();
    }
  };
  loadMore.addEventListener("click", () => loadNext().catch(() => {}));

  const resync = async () => {
    const latest = await listRuns({ taskSlug: slug }, PAGE);
    table.mergeLatest(latest.runs);
    refreshFooter();
    watcher.watch(table.unfinishedIds());
  };
  const watcher = new RunWatcher({
    onRun: (run) => {
      table.update(run);
      watcher.watch(table.unfinishedIds());
    },
    resync,
  });

  const { dialog, open } = runDialog(task, slug, (run) => {
    table.prependRuns([run], { highlight: true });
    refreshFooter();
    watcher.watch(table.unfinishedIds());
  });
  const runButton = h("button", { type: "button", class: "primary", id: "run-task", onclick: open }, "Run task");

  main.replaceChildren(
    h("div", { class: "page-head" },
      h("div", {},
        h("h1", {}, task.name),
        h("dl", { class: "facts" },
          h("dt", {}, "Slug"), h("dd", { class: "mono" }, slug),
          h("dt", {}, "Task ID"), h("dd", { class: "mono" }, task.id),
          h("dt", {}, "Version"), h("dd", { class: "mono" }, task.version || task.workflowVersionId || "—"),
          h("dt", {}, "Created"), h("dd", {}, timeEl(task.createdAt)))),
      runButton),
    h("section", { "aria-labelledby": "runs-title" },
      h("h2", { id: "runs-title" }, "Runs"),
      empty,
      h("div", { class: "table-wrap" }, table.table),
      h("div", { class: "table-footer" }, count, loadMore)),
    dialog,
  );
  refreshFooter();
  watcher.watch(table.unfinishedIds());
  setInterval(() => {
    if (!document.hidden) resync().catch(() => {});
  }, DISCOVER_MS);
  onServerState((up) => {
    if (up) resync().catch(() => {});
  });
}
