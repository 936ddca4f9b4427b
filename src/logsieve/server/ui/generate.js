// The "Generate" tab: synthetic lines from a prompt (POST /api/generate), then one click
// sends them to the Classify tab.

import { describeError, postJSON } from "./api.js";
import { el } from "./format.js";

export function setupGenerate(config, { classify }) {
  const form = document.getElementById("gen-form");
  const button = form.querySelector("button[type=submit]");
  const notice = document.getElementById("gen-notice");
  const errorBox = document.getElementById("gen-error");
  const results = document.getElementById("gen-results");
  const list = document.getElementById("gen-lines");
  const method = document.getElementById("gen-method");
  const status = document.getElementById("gen-status");
  let lines = [];

  if (!config.generate_available) {
    notice.hidden = false;
    notice.textContent = "This server has no generator installed, so generation is switched off. "
      + "Paste your own lines in the Classify tab instead.";
    button.disabled = true;
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const prompt = document.getElementById("prompt").value.trim();
    const count = Math.max(1, Math.min(100, parseInt(document.getElementById("count").value, 10) || 1));
    if (!prompt) {
      errorBox.hidden = false;
      errorBox.textContent = "Describe the lines you want first.";
      document.getElementById("prompt").focus();
      return;
    }
    errorBox.hidden = true;
    button.disabled = true;
    status.textContent = `Generating ${count} line${count === 1 ? "" : "s"}…`;
    try {
      const body = await postJSON("api/generate", { prompt, count });
      lines = Array.isArray(body.synthetic_log) ? body.synthetic_log : [body.synthetic_log];
      list.replaceChildren(...lines.map((l) => el("li", {}, el("code", {}, l))));
      method.textContent = body.method === "llm" ? "Written by the LLM." : "Written by the offline generator.";
      results.hidden = false;
      status.textContent = `Generated ${lines.length} line${lines.length === 1 ? "" : "s"}.`;
    } catch (err) {
      results.hidden = true;
      errorBox.hidden = false;
      errorBox.textContent = `Could not generate: ${describeError(err)}`;
      status.textContent = "";
    } finally {
      button.disabled = !config.generate_available;
    }
  });

  document.getElementById("gen-classify").addEventListener("click", () => {
    if (lines.length) classify(lines);
  });
}
