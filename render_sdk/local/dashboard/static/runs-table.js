// A table of runs that updates rows in place: used by the home page (recent runs)
// and by a task's page (all of its runs, newest first, one page at a time).

import { durationEl, h, runLink, statusBadge, taskHref, timeEl } from "./dom.js";
import { isTerminal } from "./format.js";

export class RunsTable {
  /** tasksById: Map of task id to Task (for the task column); showTask adds that column. */
  constructor({ caption, tasksById = new Map(), showTask = false }) {
    this.tasksById = tasksById;
    this.showTask = showTask;
    this.rows = new Map();
    this.runs = new Map();
    this.body = h("tbody");
    const headers = ["Run", ...(showTask ? ["Task"] : []), "Status", "Started", "Duration", "Attempts"];
    this.table = h(
      "table",
      { class: "runs" },
      h("caption", { class: "visually-hidden" }, caption),
      h("thead", {}, h("tr", {}, headers.map((text) => h("th", { scope: "col" }, text)))),
      this.body,
    );
  }

  get size() {
    return this.rows.size;
  }

  has(id) {
    return this.rows.has(id);
  }

  unfinishedIds() {
    return [...this.runs.values()].filter((run) => !isTerminal(run.status)).map((run) => run.id);
  }

  _row(run) {
    const task = this.tasksById.get(run.taskId);
    const cells = [h("td", {}, runLink(run.id))];
    if (this.showTask) {
      cells.push(h("td", {}, task ? h("a", { href: taskHref(task) }, task.name) : h("span", { class: "mono" }, run.taskId)));
    }
    cells.push(
      h("td", {}, statusBadge(run.status)),
      h("td", {}, timeEl(run.startedAt)),
      h("td", {}, durationEl(run.startedAt, run.completedAt)),
      h("td", { class: "num" }, String((run.attempts || []).length)),
    );
    return h("tr", { "data-run-id": run.id }, cells);
  }

  /** Add runs after the ones shown (the next page of an older-first scroll). */
  appendRuns(runs) {
    const fragment = document.createDocumentFragment();
    for (const run of runs) {
      if (this.rows.has(run.id)) {
        this.update(run);
        continue;
      }
      const row = this._row(run);
      this.rows.set(run.id, row);
      this.runs.set(run.id, run);
      fragment.append(row);
    }
    this.body.append(fragment);
  }

  /** Put runs newer than every shown one at the top, newest first. */
  prependRuns(runs, { highlight = false } = {}) {
    const fragment = document.createDocumentFragment();
    for (const run of runs) {
      if (this.rows.has(run.id)) {
        this.update(run);
        continue;
      }
      const row = this._row(run);
      if (highlight) row.classList.add("new");
      this.rows.set(run.id, row);
      this.runs.set(run.id, run);
      fragment.append(row);
    }
    this.body.prepend(fragment);
  }

  /** Replace a shown run's row when it changed; unknown runs are ignored. */
  update(run) {
    const old = this.rows.get(run.id);
    if (!old) return false;
    const previous = this.runs.get(run.id);
    if (previous && previous.status === run.status && previous.completedAt === run.completedAt &&
        previous.startedAt === run.startedAt && (previous.attempts || []).length === (run.attempts || []).length) {
      return false;
    }
    const row = this._row(run);
    if (old.classList.contains("new")) row.classList.add("new");
    old.replaceWith(row);
    this.rows.set(run.id, row);
    this.runs.set(run.id, run);
    return true;
  }

  /** Merge a fresh first page: new runs go on top, known ones are updated. */
  mergeLatest(runs) {
    const fresh = [];
    for (const run of runs) {
      if (this.rows.has(run.id)) this.update(run);
      else fresh.push(run);
    }
    // Runs are numbered in creation order, so any run of the newest page not shown yet
    // was started after the ones shown: it belongs on top.
    if (fresh.length) this.prependRuns(fresh);
    return fresh.length;
  }

  /** Keep only the first `max` rows (a "recent runs" table). */
  trim(max) {
    const ids = [...this.body.rows].map((row) => row.dataset.runId);
    for (const id of ids.slice(max)) {
      this.rows.get(id)?.remove();
      this.rows.delete(id);
      this.runs.delete(id);
    }
  }
}
