// Following runs live: the events stream read with fetch() (so the API key can go in a
// header), parsed by SSEParser, reconnected with backoff; while it is down, the page's
// own resync is polled instead. After every (re)subscription the page resyncs once,
// because a run may have changed before the stream was open.

import { authHeaders, reportServerDown, reportServerUp } from "./api.js";
import { SSEParser } from "./sse.js";

const POLL_MS = 2000;
const MAX_BACKOFF_MS = 10000;

export class RunWatcher {
  /**
   * onRun(run): a run changed (the event's TaskRunDetails).
   * resync(): read the state again (after subscribing, and as the polling fallback).
   */
  constructor({ onRun, resync }) {
    this.onRun = onRun;
    this.resync = resync;
    this.ids = new Set();
    this.controller = null;
    this.running = false;
    this.pollTimer = null;
    this.mode = "idle"; // "stream", "polling" or "idle": shown to users, read by tests
    this.failures = 0;
    this.stopped = false;
  }

  /** Follow these runs (the unfinished ones); a new id restarts the stream. */
  watch(ids) {
    const wanted = new Set(ids);
    const added = [...wanted].some((id) => !this.ids.has(id));
    this.ids = wanted;
    if (wanted.size === 0) {
      this._abort();
      this._setMode("idle");
      return;
    }
    if (added) this._abort();
    if (!this.running) this._loop();
  }

  stop() {
    this.stopped = true;
    this.ids = new Set();
    this._abort();
    this._stopPolling();
  }

  _setMode(mode) {
    this.mode = mode;
    document.documentElement.dataset.liveMode = mode;
  }

  _abort() {
    if (this.controller) this.controller.abort();
    this.controller = null;
  }

  _startPolling() {
    if (this.pollTimer || this.stopped) return;
    this._setMode("polling");
    const tick = async () => {
      try {
        await this.resync();
      } catch {
        // The page shows request failures itself; keep polling.
      }
      if (this.pollTimer) this.pollTimer = setTimeout(tick, POLL_MS);
    };
    this.pollTimer = setTimeout(tick, POLL_MS);
  }

  _stopPolling() {
    clearTimeout(this.pollTimer);
    this.pollTimer = null;
  }

  async _loop() {
    this.running = true;
    try {
      while (!this.stopped && this.ids.size > 0) {
        const ok = await this._streamOnce();
        if (this.stopped || this.ids.size === 0) break;
        if (ok) {
          // Ended cleanly or restarted for new ids: reconnect (a pause keeps a server
          // that closes every stream at once from being hammered).
          await new Promise((resolve) => setTimeout(resolve, 100));
          continue;
        }
        this.failures++;
        this._startPolling();
        const wait = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(this.failures, 5));
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    } finally {
      this.running = false;
      this._stopPolling();
      if (this.ids.size === 0) this._setMode("idle");
    }
  }

  /** One connection; true when it ended cleanly or on purpose, false on failure. */
  async _streamOnce() {
    const controller = new AbortController();
    this.controller = controller;
    const ids = [...this.ids].sort();
    let response;
    try {
      response = await fetch(`/v1/task-runs/events?taskRunIds=${ids.map(encodeURIComponent).join(",")}`, {
        headers: authHeaders({ Accept: "text/event-stream" }),
        signal: controller.signal,
        cache: "no-store",
      });
    } catch {
      if (controller.signal.aborted) return true;
      reportServerDown();
      return false;
    }
    reportServerUp();
    if (!response.ok || !response.body) {
      // 401, 404 (a run unknown to this server), 429…: poll instead for a while.
      response.body?.cancel().catch(() => {});
      return false;
    }
    this.failures = 0;
    this._stopPolling();
    this._setMode("stream");
    this.resync().catch(() => {});
    const parser = new SSEParser();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return true;
        for (const event of parser.feed(value)) {
          if (!event.event.startsWith("task.")) continue;
          let run;
          try {
            run = JSON.parse(event.data);
          } catch {
            continue; // a malformed event is skipped; the next resync corrects the view
          }
          if (run && typeof run.id === "string") this.onRun(run);
        }
      }
    } catch {
      return controller.signal.aborted;
    } finally {
      reader.cancel().catch(() => {});
    }
  }
}
