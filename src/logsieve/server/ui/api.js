// The page's one way to talk to the server: JSON in and out, errors as ApiError, and the
// X-API-Key header, asked for once (on start-up when the server says so, or on a 401) and
// kept in sessionStorage so it lives as long as the tab and no longer.

const KEY_STORAGE = "logsieve.apiKey";

// The page lives at <base>/ui/; the API at <base>/ (so a path prefix in a proxy still works).
export const API_BASE = new URL("../", document.baseURI);

export class ApiError extends Error {
  constructor(status, code, message, { detail = null, retryAfter = null } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.retryAfter = retryAfter;
  }
}

export function getKey() {
  try {
    return sessionStorage.getItem(KEY_STORAGE) || "";
  } catch {
    return ""; // storage switched off: the key is then asked again on each 401
  }
}

export function setKey(key) {
  try {
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    /* storage switched off */
  }
  keyListeners.forEach((fn) => fn(key));
}

const keyListeners = [];
export function onKeyChange(fn) {
  keyListeners.push(fn);
}

let prompter = async () => null;
let pendingPrompt = null;

/** Who asks the visitor for a key: fn(reason) -> Promise<string | null>. */
export function setKeyPrompter(fn) {
  prompter = fn;
}

/** One prompt at a time: concurrent 401s wait for the same answer. */
export function askForKey(reason) {
  if (!pendingPrompt) {
    pendingPrompt = Promise.resolve(prompter(reason)).then((key) => {
      if (key) setKey(key);
      return key || null;
    }).finally(() => {
      pendingPrompt = null;
    });
  }
  return pendingPrompt;
}

async function errorFrom(resp) {
  let body = null;
  try {
    body = await resp.json();
  } catch {
    /* not JSON: a proxy's page, say */
  }
  const message = (body && (body.message || (typeof body.detail === "string" && body.detail)))
    || `${resp.status} ${resp.statusText || "error"}`;
  return new ApiError(resp.status, (body && body.error) || "http_" + resp.status, message, {
    detail: body && Array.isArray(body.detail) ? body.detail : null,
    retryAfter: resp.headers.get("Retry-After"),
  });
}

/**
 * fetch() against the API. Returns the Response when it is 2xx; throws ApiError otherwise.
 * `json` is sent as a JSON body; `body` as is (FormData, Blob).
 */
export async function request(path, { method = "GET", json, body, signal, headers } = {}) {
  for (;;) {
    const h = new Headers(headers || {});
    if (json !== undefined) h.set("Content-Type", "application/json");
    const key = getKey();
    if (key) h.set("X-API-Key", key);
    let resp;
    try {
      resp = await fetch(new URL(path, API_BASE), {
        method,
        headers: h,
        body: json !== undefined ? JSON.stringify(json) : body,
        signal,
      });
    } catch (err) {
      if (err && err.name === "AbortError") throw err;
      throw new ApiError(0, "network", "Cannot reach the server. Is it still running?");
    }
    if (resp.status === 401) {
      if (getKey() !== key) continue; // someone entered a new key meanwhile: use it
      const fresh = await askForKey(key ? "The server refused this key." : "This server needs an API key.");
      if (!fresh) throw new ApiError(401, "unauthorized", "An API key is needed: use the “API key” button.");
      continue;
    }
    if (!resp.ok) throw await errorFrom(resp);
    return resp;
  }
}

export async function getJSON(path, options) {
  return (await request(path, options)).json();
}

export async function postJSON(path, json, options = {}) {
  return (await request(path, { ...options, method: "POST", json })).json();
}

/** A sentence for an error, with what to do about it where we know. */
export function describeError(err) {
  if (!(err instanceof ApiError)) return String((err && err.message) || err);
  if (err.status === 429) {
    return `${err.message} Try again in ${err.retryAfter || "a few"} seconds.`;
  }
  if (err.status === 422 && err.detail && err.detail.length) {
    const first = err.detail[0];
    return first && first.msg && !err.message.includes(first.msg) ? `${err.message} (${first.msg})` : err.message;
  }
  return err.message;
}
