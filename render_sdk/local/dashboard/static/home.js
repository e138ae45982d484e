// "/": the workflows and their tasks, and the most recent runs (live).

import { listAllTasks, listRuns, onServerState } from "./api.js";
import { h, notice, setBreadcrumbs, setTitle, taskHref, taskSlugParts, timeEl } from "./dom.js";
import { RunWatcher } from "./live.js";
import { RunsTable } from "./runs-table.js";

const RECENT = 20;
const DISCOVER_MS = 3000;

function workflowsSection(tasks) {
  const byWorkflow = new Map();
  for (const task of tasks) {
    const [workflow] = taskSlugParts(task);
    if (!byWorkflow.has(workflow)) byWorkflow.set(workflow, []);
    byWorkflow.get(workflow).push(task);
  }
  const section = h("section", { "aria-labelledby": "workflows-title" }, h("h2", { id: "workflows-title" }, "Workflows"));
  if (!tasks.length) section.append(notice("This server has no tasks."));
  for (const [workflow, list] of byWorkflow) {
    const headingId = `wf-${workflow}`;
    section.append(
      h("div", { class: "card" },
        h("h3", { id: headingId },
          h("span", { class: "mono" }, workflow),
          h("span", { class: "muted small" }, ` · ${list[0].workflowId || ""}`)),
        h("table", { class: "tasks", "aria-labelledby": headingId },
          h("thead", {}, h("tr", {},
            ["Task", "Task ID", "Version", "Created"].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, list.map((task) => h("tr", {},
            h("td", {}, h("a", { href: taskHref(task) }, task.name)),
            h("td", { class: "mono" }, task.id),
            h("td", { class: "mono" }, task.version || task.workflowVersionId || "—"),
            h("td", {}, timeEl(task.createdAt)))))),
      ),
    );
  }
  return section;
}

export async function render(main) {
  setBreadcrumbs([{ label: "Workflows" }]);
  setTitle("Workflows");
  const [tasks, recent] = await Promise.all([listAllTasks(), listRuns({}, RECENT)]);
  const tasksById = new Map(tasks.map((task) => [task.id, task]));
  const table = new RunsTable({ caption: "Recent runs", tasksById, showTask: true });
  table.appendRuns(recent.runs);
  const empty = notice("No runs yet. Open a task and press Run task.");
  empty.hidden = table.size > 0;

  const resync = async () => {
    const { runs } = await listRuns({}, RECENT);
    table.mergeLatest(runs);
    table.trim(RECENT);
    empty.hidden = table.size > 0;
    watcher.watch(table.unfinishedIds());
  };
  const watcher = new RunWatcher({
    onRun: (run) => {
      table.update(run);
      watcher.watch(table.unfinishedIds());
    },
    resync,
  });

  main.replaceChildren(
    h("h1", {}, "Workflows and tasks"),
    workflowsSection(tasks),
    h("section", { "aria-labelledby": "recent-title" },
      h("h2", { id: "recent-title" }, "Recent runs"),
      empty,
      h("div", { class: "table-wrap" }, table.table)),
  );
  watcher.watch(table.unfinishedIds());
  // Runs started elsewhere (a client, the CLI) show up without a reload.
  setInterval(() => {
    if (!document.hidden) resync().catch(() => {});
  }, DISCOVER_MS);
  onServerState((up) => {
    if (up) resync().catch(() => {});
  });
}
