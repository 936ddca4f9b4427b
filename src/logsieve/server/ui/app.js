// The page's entry point: reads /ui/config.json, asks for an API key when the server wants
// one, wires the tabs, and starts each part.

import { getKey, setKey, setKeyPrompter, askForKey, onKeyChange } from "./api.js";
import { setupClassify } from "./classify.js";
import { setupDashboard } from "./dashboard.js";
import { setupFile } from "./file.js";
import { setupGenerate } from "./generate.js";

// --- tabs (WAI-ARIA tabs pattern: arrows move between tabs, Home/End jump) --------------
function setupTabs(onShow) {
  const tabs = [...document.querySelectorAll("[role=tab]")];
  function show(tab, focus = false) {
    for (const t of tabs) {
      const selected = t === tab;
      t.setAttribute("aria-selected", String(selected));
      t.tabIndex = selected ? 0 : -1;
      document.getElementById(t.getAttribute("aria-controls")).hidden = !selected;
    }
    if (focus) tab.focus();
    const name = tab.id.replace(/^tab-/, "");
    if (location.hash !== "#" + name) history.replaceState(null, "", "#" + name);
    onShow(name);
  }
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => show(tab));
    tab.addEventListener("keydown", (ev) => {
      const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[ev.key];
      if (to === undefined) return;
      ev.preventDefault();
      show(tabs[(to + tabs.length) % tabs.length], true);
    });
  });
  const byHash = tabs.find((t) => "#" + t.id.replace(/^tab-/, "") === location.hash);
  show(byHash || tabs[0]);
  return (name) => show(document.getElementById("tab-" + name));
}

// --- the API key dialog ---------------------------------------------------------------
function setupKeyDialog() {
  const dialog = document.getElementById("key-dialog");
  const input = document.getElementById("key-input");
  const reasonText = document.getElementById("key-reason");
  const button = document.getElementById("key-button");
  const forget = document.getElementById("key-forget");

  setKeyPrompter((reason) => new Promise((resolve) => {
    reasonText.textContent = reason;
    input.value = "";
    forget.hidden = !getKey();
    dialog.returnValue = ""; // Escape leaves the previous value otherwise
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "ok" ? input.value.trim() : null);
    }, { once: true });
    dialog.showModal();
    input.focus();
  }));
  // Cancel is not a submit button: Enter in the field must mean "use this key".
  document.getElementById("key-cancel").addEventListener("click", () => dialog.close("cancel"));
  forget.addEventListener("click", () => {
    setKey("");
    dialog.close("cancel");
  });
  button.addEventListener("click", () => askForKey(getKey() ? "Change the API key for this tab." : "Enter an API key for this server."));
  function label() {
    button.textContent = getKey() ? "API key ✓" : "API key";
    button.setAttribute("aria-label", getKey() ? "API key set; change it" : "Enter an API key");
  }
  onKeyChange(label);
  label();
  return { show: () => { button.hidden = false; } };
}

async function loadConfig() {
  try {
    const resp = await fetch(new URL("config.json", document.baseURI));
    if (resp.ok) return await resp.json();
  } catch {
    /* older server: assume the defaults below */
  }
  return { auth_required: false, generate_available: true, max_batch_lines: 1000 };
}

async function headerStatus() {
  const out = document.getElementById("server-status");
  try {
    const resp = await fetch(new URL("../", document.baseURI));
    const body = await resp.json();
    out.textContent = `${body.status} · taxonomy ${body.taxonomy} · v${body.version}`;
    out.dataset.status = body.status;
  } catch {
    out.textContent = "server unreachable";
    out.dataset.status = "unhealthy";
  }
}

async function main() {
  const params = new URLSearchParams(location.search);
  const pollMs = Math.max(250, parseInt(params.get("poll"), 10) || 2000);
  const config = await loadConfig();
  const keys = setupKeyDialog();
  if (config.auth_required) keys.show();
  headerStatus();

  const dashboard = setupDashboard({ pollMs });
  const file = setupFile(config);
  let showTab = () => {};
  const classify = setupClassify({
    onTooMany: (lines, source) => {
      showTab("file");
      file.classifyLines(lines, source);
    },
  });
  setupGenerate(config, {
    classify: (lines) => {
      showTab("classify");
      classify.classify(lines);
    },
  });
  showTab = setupTabs((name) => {
    if (name === "dashboard") dashboard.refresh();
  });
  document.body.dataset.ready = "true";

  if (config.auth_required && !getKey()) {
    const key = await askForKey("This server needs an API key (sent as X-API-Key, kept only in this tab).");
    if (!key) {
      dashboard.waitForKey(); // started again by onKeyChange once a key is given
      return;
    }
  }
  dashboard.start();
}

main();
