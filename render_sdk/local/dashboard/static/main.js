// Entry point: wires the API-key prompt and the server-stopped banner, then renders
// the page that the address names (every page is a deep link the server answers).

import { ApiError, ServerUnreachableError, onServerState, setKeyPrompt } from "./api.js";
import { h, notice, startTicker } from "./dom.js";

const routes = [
  { pattern: /^\/$/, load: () => import("./home.js") },
  { pattern: /^\/tasks\/([^/]+)\/([^/]+)\/?$/, load: () => import("./task.js") },
  { pattern: /^\/runs\/([^/]+)\/?$/, load: () => import("./run.js") },
];

function promptForKey(rejected) {
  const dialog = document.getElementById("key-dialog");
  const form = document.getElementById("key-form");
  const input = document.getElementById("key-input");
  const message = document.getElementById("key-message");
  message.textContent = rejected ? "The server did not accept that key. Try again." : "";
  input.setAttribute("aria-invalid", rejected ? "true" : "false");
  input.value = "";
  return new Promise((resolve, reject) => {
    const onSubmit = (event) => {
      const key = input.value.trim();
      if (!key) {
        event.preventDefault();
        message.textContent = "Enter the key the server was started with (--api-key).";
        return;
      }
      cleanup();
      resolve(key);
    };
    const onCancel = () => {
      cleanup();
      reject(new ApiError(401, { message: "An API key is required to read this server." }));
    };
    const cleanup = () => {
      form.removeEventListener("submit", onSubmit);
      dialog.removeEventListener("cancel", onCancel);
    };
    form.addEventListener("submit", onSubmit);
    dialog.addEventListener("cancel", onCancel);
    dialog.showModal();
    input.focus();
  });
}

function wireBanner() {
  const banner = document.getElementById("banner");
  onServerState((up) => {
    if (up) {
      banner.hidden = true;
      banner.textContent = "";
      document.documentElement.dataset.server = "up";
    } else {
      banner.textContent =
        "The local server stopped answering. Showing what was last read; " +
        "reconnecting automatically when it is back…";
      banner.hidden = false;
      document.documentElement.dataset.server = "down";
    }
  });
}

/** What a page shows when loading fails; offers to try again. */
export function showLoadError(main, err, retry) {
  let text;
  if (err instanceof ServerUnreachableError) text = "The local server is not answering.";
  else if (err instanceof ApiError && err.status === 401) text = err.message;
  else text = `Could not load this page: ${err.message}`;
  main.replaceChildren(
    h("div", { class: "error-state", role: "alert" },
      h("p", {}, text),
      h("button", { type: "button", onclick: retry }, "Try again")),
  );
}

async function boot() {
  setKeyPrompt(promptForKey);
  wireBanner();
  startTicker();
  const main = document.getElementById("main");
  const path = location.pathname;
  const route = routes.find((r) => r.pattern.test(path));
  if (!route) {
    main.replaceChildren(notice("There is no page at this address.", "error"));
    return;
  }
  const params = path.match(route.pattern).slice(1).map(decodeURIComponent);
  const page = await route.load();
  const render = async () => {
    try {
      await page.render(main, ...params);
    } catch (err) {
      showLoadError(main, err, () => {
        main.replaceChildren(notice("Loading…"));
        render();
      });
    }
  };
  await render();
  performance.mark("dashboard-ready");
  document.documentElement.dataset.ready = "true";
}

boot();
