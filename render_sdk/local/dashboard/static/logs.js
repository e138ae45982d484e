// A run's logs from GET /v1/logs (resource = the workflow, taskRun = the run), oldest
// first, paged with nextStartTime/nextEndTime; re-read every second while the run is
// unfinished. A server without the logs API answers 404: the panel then says so quietly.

import { ApiError, getJson } from "./api.js";
import { h, notice } from "./dom.js";
import { exactTime } from "./format.js";

const LIMIT = 100;
const POLL_MS = 1000;
const MAX_PAGES_PER_READ = 20;

export class LogsPanel {
  constructor({ runId, workflowId }) {
    this.runId = runId;
    this.workflowId = workflowId;
    this.seen = new Set();
    this.lastTimestamp = null;
    this.timer = null;
    this.live = false;
    this.unavailable = false;
    this.list = h("ol", { class: "logs", id: "logs-list" });
    this.state = h("p", { class: "notice muted", id: "logs-state", role: "status" }, "Loading logs…");
    this.element = h("section", { class: "card", "aria-labelledby": "logs-title" },
      h("h2", { id: "logs-title" }, "Logs"),
      this.state,
      h("div", { class: "logs-wrap", tabindex: "0", role: "log", "aria-label": "Log lines" }, this.list));
  }

  /** Read the logs; keep reading while `live`. */
  start(live) {
    this.live = live;
    if (!this.workflowId) {
      this._setState("No logs available: the run's workflow is unknown.");
      return;
    }
    this._read();
  }

  /** The run ended: read what is left, then stop. */
  finish() {
    if (!this.live) return;
    this.live = false;
    clearTimeout(this.timer);
    if (!this.unavailable && this.workflowId) this._read();
  }

  _setState(text) {
    this.state.textContent = text;
    this.state.hidden = !text;
  }

  async _read() {
    clearTimeout(this.timer);
    try {
      let startTime = this.lastTimestamp || undefined;
      let endTime;
      for (let i = 0; i < MAX_PAGES_PER_READ; i++) {
        const page = await getJson("/v1/logs", {
          resource: this.workflowId, taskRun: this.runId, direction: "forward",
          limit: LIMIT, startTime, endTime,
        });
        this._add(page.logs || []);
        if (!page.hasMore) break;
        startTime = page.nextStartTime;
        endTime = page.nextEndTime;
      }
      if (this.seen.size === 0) this._setState(this.live ? "No log lines yet." : "This run wrote no log lines.");
      else this._setState("");
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 405 || err.status === 501)) {
        this.unavailable = true;
        this._setState("No logs available: this server does not serve run logs.");
        return;
      }
      this._setState(`Logs could not be read: ${err.message}`);
    }
    if (this.live) this.timer = setTimeout(() => this._read(), POLL_MS);
  }

  _add(logs) {
    const fragment = document.createDocumentFragment();
    for (const log of logs) {
      if (!log || this.seen.has(log.id)) continue;
      this.seen.add(log.id);
      if (log.timestamp && (!this.lastTimestamp || log.timestamp > this.lastTimestamp)) this.lastTimestamp = log.timestamp;
      const level = (log.labels || []).find((l) => l.name === "level")?.value || "";
      fragment.append(h("li", { class: level ? `log level-${level}` : "log" },
        h("time", { datetime: log.timestamp, title: exactTime(log.timestamp) }, shortTime(log.timestamp)),
        level ? h("span", { class: "log-level" }, level) : null,
        h("span", { class: "log-message" }, log.message)));
    }
    const wrap = this.list.parentElement;
    const atBottom = wrap.scrollTop + wrap.clientHeight >= wrap.scrollHeight - 4;
    this.list.append(fragment);
    if (atBottom) wrap.scrollTop = wrap.scrollHeight;
  }
}

function shortTime(value) {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return "";
  // A 24-hour clock: "AM" after the milliseconds reads as part of the message.
  return date.toLocaleTimeString(undefined, {
    hour: "2-digit", minute: "2-digit", second: "2-digit", fractionalSecondDigits: 3, hourCycle: "h23",
  });
}
