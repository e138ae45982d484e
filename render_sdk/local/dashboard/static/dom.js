// Small DOM helpers shared by the pages: element building, times, statuses, durations,
// and one ticker that keeps relative times and live durations current.

import { elapsed, exactTime, formatDuration, isTerminal, relativeTime, statusLabel } from "./format.js";

/** h("a", {href: "/"}, "text", child…): attributes starting with "on" become listeners. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === "class") {
      el.className = value;
    } else if (name === "dataset") {
      Object.assign(el.dataset, value);
    } else {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** <time> with a relative text, the exact moment on hover, kept current by the ticker. */
export function timeEl(value) {
  if (!value) return h("span", { class: "muted" }, "—");
  return h("time", { datetime: value, title: exactTime(value), "data-relative": "" }, relativeTime(value));
}

export function statusBadge(status) {
  const label = statusLabel(status);
  return h("span", { class: `status status-${label}`, "data-status": label }, label);
}

/** A run's (or attempt's) duration; it ticks while the run has started and not ended. */
export function durationEl(startedAt, completedAt) {
  const live = Boolean(startedAt) && !completedAt;
  return h(
    "span",
    {
      class: live ? "duration live" : "duration",
      "data-started": live ? startedAt : null,
    },
    formatDuration(elapsed(startedAt, completedAt)),
  );
}

export function runLink(runId) {
  return h("a", { href: `/runs/${encodeURIComponent(runId)}`, class: "mono" }, runId);
}

export function taskHref(task) {
  const [workflow, name] = taskSlugParts(task);
  return `/tasks/${encodeURIComponent(workflow)}/${encodeURIComponent(name)}`;
}

/** [workflow slug, task name] from a Task (its slug when given, or the workflow id). */
export function taskSlugParts(task) {
  if (task.slug && task.slug.includes("/")) {
    const index = task.slug.indexOf("/");
    return [task.slug.slice(0, index), task.slug.slice(index + 1)];
  }
  return [task.workflowId || "workflow", task.name];
}

export function setBreadcrumbs(items) {
  const nav = document.getElementById("breadcrumbs");
  const list = h("ol");
  items.forEach((item, index) => {
    const last = index === items.length - 1;
    list.append(
      h("li", { class: item.mono ? "mono" : null },
        last || !item.href ? h("span", { "aria-current": last ? "page" : null }, item.label)
          : h("a", { href: item.href }, item.label)),
    );
  });
  nav.replaceChildren(list);
}

export function setTitle(text) {
  document.title = `${text} · Render Workflows local`;
}

export function isUnfinished(run) {
  return !isTerminal(run.status);
}

let ticker = null;

/** Update every relative time and live duration once a second. */
export function startTicker() {
  if (ticker) return;
  const tick = () => {
    const now = Date.now();
    for (const el of document.querySelectorAll("time[data-relative]")) {
      const text = relativeTime(el.getAttribute("datetime"), now);
      if (el.textContent !== text) el.textContent = text;
    }
    for (const el of document.querySelectorAll(".duration.live[data-started]")) {
      el.textContent = formatDuration(elapsed(el.dataset.started, null, now));
    }
  };
  ticker = setInterval(tick, 1000);
}

/** A message block for empty and error states. */
export function notice(text, kind = "muted") {
  return h("p", { class: `notice ${kind}` }, text);
}
