// Pure helpers: statuses, times, durations and the task-input check. No DOM, no I/O.

export const TERMINAL_STATUSES = new Set(["succeeded", "completed", "failed", "canceled"]);

export function isTerminal(status) {
  return TERMINAL_STATUSES.has(status);
}

/** The status as shown: the deprecated "completed" spelling reads as succeeded. */
export function statusLabel(status) {
  if (status === "completed") return "succeeded";
  return status || "unknown";
}

function toMillis(value) {
  if (value === undefined || value === null || value === "") return null;
  const ms = typeof value === "number" ? value : Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/** "just now", "42 s ago", "5 min ago", "3 h ago", "2 d ago" (or "in …" for the future). */
export function relativeTime(value, now = Date.now()) {
  const ms = toMillis(value);
  if (ms === null) return "—";
  const seconds = Math.round((now - ms) / 1000);
  const abs = Math.abs(seconds);
  let text;
  if (abs < 5) return "just now";
  if (abs < 60) text = `${abs} s`;
  else if (abs < 3600) text = `${Math.floor(abs / 60)} min`;
  else if (abs < 86400) text = `${Math.floor(abs / 3600)} h`;
  else text = `${Math.floor(abs / 86400)} d`;
  return seconds >= 0 ? `${text} ago` : `in ${text}`;
}

/** The exact moment, for a tooltip: local time with milliseconds and the UTC form. */
export function exactTime(value) {
  const ms = toMillis(value);
  if (ms === null) return "";
  const date = new Date(ms);
  const local = date.toLocaleString(undefined, {
    year: "numeric", month: "short", day: "numeric",
    hour: "2-digit", minute: "2-digit", second: "2-digit", fractionalSecondDigits: 3,
  });
  return `${local} (${date.toISOString()})`;
}

/** "850 ms", "12.3 s", "4 min 05 s", "2 h 03 min". */
export function formatDuration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return "—";
  const value = Math.max(0, ms);
  if (value < 1000) return `${Math.round(value)} ms`;
  if (value < 60000) return `${(value / 1000).toFixed(1)} s`;
  const totalSeconds = Math.floor(value / 1000);
  if (totalSeconds < 3600) {
    const minutes = Math.floor(totalSeconds / 60);
    return `${minutes} min ${String(totalSeconds % 60).padStart(2, "0")} s`;
  }
  const hours = Math.floor(totalSeconds / 3600);
  return `${hours} h ${String(Math.floor((totalSeconds % 3600) / 60)).padStart(2, "0")} min`;
}

/** How long a run (or attempt) took, or has taken so far when it is still going. */
export function elapsed(startedAt, completedAt, now = Date.now()) {
  const start = toMillis(startedAt);
  if (start === null) return null;
  const end = toMillis(completedAt);
  return (end === null ? now : end) - start;
}

function describeType(value) {
  if (value === null) return "null";
  if (typeof value === "string") return "a string";
  if (typeof value === "number") return "a number";
  if (typeof value === "boolean") return "a boolean";
  return typeof value;
}

/**
 * Check the text of a task's input. Returns {ok: true, value, pretty} or {ok: false, message}:
 * the input must be JSON, and a JSON array (positional arguments) or object (named ones).
 */
export function parseTaskInput(text) {
  if (text.trim() === "") {
    return {
      ok: false,
      message: "Input is empty: enter a JSON array (positional arguments) or object " +
        "(named arguments); [] for a task without arguments.",
    };
  }
  let value;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, message: `Input is not valid JSON: ${err.message}` };
  }
  if (value === null || typeof value !== "object") {
    return {
      ok: false,
      message: `Input must be a JSON array (positional arguments) or a JSON object ` +
        `(named arguments), not ${describeType(value)}. For one argument, wrap it: ` +
        `[${JSON.stringify(value)}].`,
    };
  }
  return { ok: true, value, pretty: JSON.stringify(value, null, 2) };
}

/** Pretty JSON for display. */
export function prettyJson(value) {
  return JSON.stringify(value, null, 2);
}
