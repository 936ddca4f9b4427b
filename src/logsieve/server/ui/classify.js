// The "Classify" tab: paste one line or many; each is sent to POST /api/classify (the server
// gathers concurrent calls into one sieve batch) and comes back as a card with its journey.
// More lines than a page of cards can show go to the file table instead.

import { ApiError, describeError, postJSON } from "./api.js";
import { CLASSIFIERS } from "./format.js";
import { errorCard, pendingCard, resultCard } from "./journey.js";

/** Beyond this many lines the answers go to the table (no journeys: seed 001's batch API). */
export const MAX_CARDS = 100;
const IN_FLIGHT = 6;

const form = () => document.getElementById("classify-form");
const textarea = () => document.getElementById("lines");

export function splitLines(text) {
  return text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
}

function summarize(results, failed) {
  const by = {};
  for (const r of results) {
    const who = r.classifier === "cache" ? "the template cache" : CLASSIFIERS[r.classifier] || r.classifier;
    by[who] = (by[who] || 0) + 1;
  }
  const parts = Object.entries(by).map(([who, n]) => `${n} by ${who}`);
  let text = `Classified ${results.length} line${results.length === 1 ? "" : "s"}`;
  if (results.length === 1) text += `: ${results[0].label} (${results[0].final_confidence.toFixed(2)})`;
  text += parts.length ? ` — ${parts.join(", ")}.` : ".";
  if (failed) text += ` ${failed} could not be classified.`;
  return text;
}

export function setupClassify({ onTooMany }) {
  const status = document.getElementById("classify-status");
  const out = document.getElementById("classify-results");
  const button = form().querySelector("button[type=submit]");
  let running = false;

  async function run(lines, source) {
    if (running) return;
    running = true;
    button.disabled = true;
    out.replaceChildren();
    out.setAttribute("aria-busy", "true");
    status.textContent = `Classifying ${lines.length} line${lines.length === 1 ? "" : "s"}…`;
    const cards = lines.map((line) => out.appendChild(pendingCard(line)));
    const results = [];
    let failed = 0;
    let next = 0;
    let stop = null;
    const openAll = lines.length <= 3;

    async function worker() {
      while (next < lines.length && !stop) {
        const i = next++;
        try {
          const body = { log_message: lines[i] };
          if (source) body.source = source;
          const r = await postJSON("api/classify", body);
          results[i] = r;
          const card = resultCard(r, { open: openAll || i === 0 });
          cards[i].replaceWith(card);
          cards[i] = card;
        } catch (err) {
          failed++;
          if (err instanceof ApiError && err.status === 401) stop = err; // no key: stop asking
          const card = errorCard(lines[i], describeError(err));
          cards[i].replaceWith(card);
          cards[i] = card;
        }
      }
    }
    try {
      await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, lines.length) }, worker));
      if (stop) {
        for (let i = 0; i < lines.length; i++) {
          if (cards[i].classList.contains("pending")) cards[i].replaceWith(errorCard(lines[i], describeError(stop)));
        }
      }
      status.textContent = summarize(results.filter(Boolean), lines.length - results.filter(Boolean).length);
    } finally {
      out.removeAttribute("aria-busy");
      button.disabled = false;
      running = false;
    }
  }

  function submit() {
    const lines = splitLines(textarea().value);
    const source = document.getElementById("source").value.trim();
    if (!lines.length) {
      status.textContent = "Paste at least one log line first.";
      textarea().focus();
      return;
    }
    if (lines.length > MAX_CARDS) {
      status.textContent = `${lines.length} lines: more than ${MAX_CARDS}, so they are classified as a table in the File tab.`;
      onTooMany(lines, source);
      return;
    }
    run(lines, source);
  }

  form().addEventListener("submit", (ev) => {
    ev.preventDefault();
    submit();
  });
  // Ctrl+Enter (⌘+Enter) in the text area submits, as in most chat and query boxes.
  textarea().addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      submit();
    }
  });
  document.getElementById("examples").addEventListener("click", () => {
    textarea().value = [
      "User User123 logged in.",
      "Backup completed successfully.",
      "ERROR nova.compute.manager [req-1234-abcd] [instance: uuid] Service failed",
      "Connection pool exhausted after 30s waiting for a DB connection",
    ].join("\n");
    textarea().focus();
  });

  return {
    /** Put these lines in the box and classify them (used by the Generate tab). */
    classify(lines, source = "") {
      textarea().value = lines.join("\n");
      document.getElementById("source").value = source;
      submit();
    },
  };
}
