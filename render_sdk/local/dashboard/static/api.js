// The public REST API, as any client reads it: JSON over fetch, the API key from the
// tab's session storage, and a watch on whether the server answers at all.

const KEY_STORAGE = "render-sdk-dashboard:api-key";
const PROBE_MS = 1000;

export class ApiError extends Error {
  constructor(status, body) {
    const message = (body && body.message) || `HTTP ${status}`;
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.body = body;
  }
}

export class ServerUnreachableError extends Error {
  constructor(cause) {
    super("The local server is not answering.");
    this.name = "ServerUnreachableError";
    this.cause = cause;
  }
}

// --- the API key -----------------------------------------------------------------

let keyPrompt = null;
let pendingKey = null;

export function apiKey() {
  return sessionStorage.getItem(KEY_STORAGE);
}

/** The page's way to ask the user for a key: fn(rejected: boolean) => Promise<string>. */
export function setKeyPrompt(fn) {
  keyPrompt = fn;
}

function askForKey(rejected) {
  // Requests failing together share one prompt.
  if (!pendingKey) {
    if (!keyPrompt) return Promise.reject(new ApiError(401, null));
    pendingKey = keyPrompt(rejected)
      .then((key) => {
        sessionStorage.setItem(KEY_STORAGE, key);
        return key;
      })
      .finally(() => {
        pendingKey = null;
      });
  }
  return pendingKey;
}

export function authHeaders(extra = {}) {
  const headers = { ...extra };
  const key = apiKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  return headers;
}

// --- is the server there? -----------------------------------------------------------

let serverDown = false;
let probeTimer = null;
const listeners = new Set();

/** Call fn(up: boolean) whenever the server stops or starts answering. */
export function onServerState(fn) {
  listeners.add(fn);
}

export function isServerDown() {
  return serverDown;
}

export function reportServerDown() {
  if (serverDown) return;
  serverDown = true;
  for (const fn of listeners) fn(false);
  scheduleProbe();
}

export function reportServerUp() {
  if (!serverDown) return;
  serverDown = false;
  clearTimeout(probeTimer);
  probeTimer = null;
  for (const fn of listeners) fn(true);
}

function scheduleProbe() {
  clearTimeout(probeTimer);
  probeTimer = setTimeout(async () => {
    try {
      // Any HTTP answer (even 401) means the server is back.
      await fetch("/v1/tasks?limit=1", { headers: authHeaders(), cache: "no-store" });
      reportServerUp();
    } catch {
      scheduleProbe();
    }
  }, PROBE_MS);
}

// --- requests -----------------------------------------------------------------------

const MAX_THROTTLED = 3;
const MAX_RETRY_AFTER_MS = 10000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long to wait after a 429: Retry-After (seconds or an HTTP date), capped. */
export function retryAfterMs(header, attempt = 1) {
  let ms = NaN;
  if (header) {
    const seconds = Number(header);
    ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  }
  if (!Number.isFinite(ms) || ms < 0) ms = 500 * 2 ** (attempt - 1);
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}

export function apiUrl(path, query = {}) {
  const url = new URL(path, location.origin);
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      url.searchParams.append(name, String(item));
    }
  }
  return url.pathname + url.search;
}

/**
 * One API request. Resolves with the decoded JSON body (null for 204), rejects with
 * ApiError for an HTTP error or ServerUnreachableError when the server does not answer.
 * A 401 asks for the key and repeats the request (the server refused it unread).
 */
export async function request(method, path, { query, body, signal } = {}) {
  const url = apiUrl(path, query);
  let rejectedKey = false;
  let throttled = 0;
  for (;;) {
    const extra = { Accept: "application/json" };
    if (body !== undefined) extra["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(url, {
        method,
        headers: authHeaders(extra),
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
        cache: "no-store",
      });
    } catch (err) {
      if (signal && signal.aborted) throw err;
      reportServerDown();
      throw new ServerUnreachableError(err);
    }
    reportServerUp();
    if (response.status === 401) {
      rejectedKey = apiKey() !== null || rejectedKey;
      sessionStorage.removeItem(KEY_STORAGE);
      await askForKey(rejectedKey);
      rejectedKey = true;
      continue;
    }
    if (response.status === 429 && throttled < MAX_THROTTLED) {
      // Rate limited: the request was refused unread, so waiting and repeating it is safe.
      throttled++;
      await sleep(retryAfterMs(response.headers.get("Retry-After"), throttled));
      continue;
    }
    if (response.status === 204) return null;
    const text = await response.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = { message: text.slice(0, 200) };
      }
    }
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }
}

export const getJson = (path, query, options = {}) =>
  request("GET", path, { ...options, query });

/** Every task (the list endpoint pages by cursor; at most `max` pages are read). */
export async function listAllTasks(max = 20) {
  const tasks = [];
  let cursor;
  for (let i = 0; i < max; i++) {
    const page = await getJson("/v1/tasks", { limit: 100, cursor });
    for (const item of page) tasks.push(item.task);
    if (page.length < 100) break;
    cursor = page[page.length - 1].cursor;
  }
  return tasks;
}

/** One page of runs: {runs, cursor} where cursor is null on the last page. */
export async function listRuns(query, limit) {
  const page = await getJson("/v1/task-runs", { ...query, limit });
  return {
    runs: page.map((item) => item.taskRun),
    cursor: page.length < limit ? null : page[page.length - 1].cursor,
  };
}
