// The "File" tab: a CSV (with a log_message column) or a text file is read in the browser,
// sent in chunks to POST /classify (seed 001's batch API: label and deciding classifier per
// line) with a progress bar, then shown as a table filterable by label and stage and
// downloadable as CSV.

import { ApiError, describeError, postJSON } from "./api.js";
import { linesOfFile, toCSV } from "./csv.js";
import { CLASSIFIERS, el, fmtConf, fmtInt, labelColor } from "./format.js";

const PAGE_ROWS = 200;
const DEFAULT_CHUNK = 500;

export function setupFile(config) {
  const form = document.getElementById("file-form");
  const input = document.getElementById("file");
  const submit = form.querySelector("button[type=submit]");
  const cancel = document.getElementById("file-cancel");
  const progressBox = document.getElementById("file-progress");
  const bar = document.getElementById("file-bar");
  const progressText = document.getElementById("file-progress-text");
  const errorBox = document.getElementById("file-error");
  const results = document.getElementById("file-results");
  const labelFilter = document.getElementById("filter-label");
  const stageFilter = document.getElementById("filter-stage");
  const textFilter = document.getElementById("filter-text");
  const tbody = document.querySelector("#file-table tbody");
  const summary = document.getElementById("table-summary");
  const more = document.getElementById("table-more");
  const download = document.getElementById("download");

  let rows = []; // {n, source, log_message, label_id, label, stage, confidence}
  let fileName = "logs";
  let shown = PAGE_ROWS;
  let controller = null;
  let chunkSize = Math.min(DEFAULT_CHUNK, config.max_batch_lines || DEFAULT_CHUNK);

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  function filtered() {
    const label = labelFilter.value;
    const stage = stageFilter.value;
    const text = textFilter.value.trim().toLowerCase();
    return rows.filter((r) => (!label || r.label_id === label) && (!stage || r.stage === stage)
      && (!text || r.log_message.toLowerCase().includes(text)));
  }

  function fillSelect(select, counts, nameOf, allText) {
    const keep = select.value;
    select.replaceChildren(el("option", { value: "" }, `${allText} (${fmtInt(rows.length)})`),
      ...Object.entries(counts).sort((a, b) => b[1] - a[1])
        .map(([k, n]) => el("option", { value: k }, `${nameOf(k)} (${fmtInt(n)})`)));
    select.value = counts[keep] ? keep : "";
  }

  function renderFilters() {
    const labels = {};
    const stages = {};
    const names = {};
    for (const r of rows) {
      labels[r.label_id] = (labels[r.label_id] || 0) + 1;
      stages[r.stage] = (stages[r.stage] || 0) + 1;
      names[r.label_id] = r.label;
    }
    fillSelect(labelFilter, labels, (k) => names[k] || k, "All labels");
    fillSelect(stageFilter, stages, (k) => CLASSIFIERS[k] || k, "All stages");
  }

  function renderTable() {
    const match = filtered();
    const page = match.slice(0, shown);
    tbody.replaceChildren(...page.map((r) => el("tr", { "data-label": r.label_id, "data-stage": r.stage },
      el("td", { class: "num", "data-th": "#" }, r.n),
      el("td", { "data-th": "Source" }, r.source || ""),
      el("td", { class: "msg", "data-th": "Log line" }, el("code", {}, r.log_message)),
      el("td", { "data-th": "Label" }, el("span", { class: "label-badge", style: `--label:${labelColor(r.label_id)}`, title: r.label_id }, r.label)),
      el("td", { "data-th": "Stage" }, CLASSIFIERS[r.stage] || r.stage),
      el("td", { class: "num", "data-th": "Confidence" }, fmtConf(r.confidence)))));
    summary.textContent = match.length
      ? `Showing ${fmtInt(page.length)} of ${fmtInt(match.length)} matching rows (${fmtInt(rows.length)} in all).`
      : `No rows match these filters (${fmtInt(rows.length)} in all).`;
    more.hidden = page.length >= match.length;
    download.textContent = match.length === rows.length
      ? `Download CSV (${fmtInt(rows.length)} rows)`
      : `Download CSV (${fmtInt(match.length)} filtered rows)`;
    download.disabled = match.length === 0;
  }

  async function classifyAll(items) {
    controller = new AbortController();
    rows = [];
    shown = PAGE_ROWS;
    results.hidden = true;
    showError("");
    progressBox.hidden = false;
    bar.max = items.length;
    bar.value = 0;
    submit.disabled = true;
    cancel.hidden = false;
    let done = 0;
    progressText.textContent = `Classifying ${fmtInt(items.length)} lines…`;
    try {
      while (done < items.length) {
        const chunk = items.slice(done, done + chunkSize);
        let answers;
        try {
          answers = await postJSON("classify", chunk.map((it) => (it.source ? it : { log_message: it.log_message })),
            { signal: controller.signal });
        } catch (err) {
          // Too big for this server's limits: halve the chunk and try again.
          if (err instanceof ApiError && err.status === 413 && chunkSize > 1) {
            chunkSize = Math.max(1, Math.floor(chunkSize / 2));
            continue;
          }
          throw err;
        }
        answers.forEach((a, j) => {
          const it = chunk[j];
          rows.push({ n: done + j + 1, source: it.source, log_message: it.log_message, label_id: a.label_id,
            label: a.label, stage: a.source, confidence: a.confidence });
        });
        done += chunk.length;
        bar.value = done;
        progressText.textContent = `${fmtInt(done)} of ${fmtInt(items.length)} lines classified`;
      }
      progressText.textContent = `Done: ${fmtInt(done)} lines classified.`;
    } catch (err) {
      if (err && err.name === "AbortError") {
        progressText.textContent = `Stopped after ${fmtInt(done)} of ${fmtInt(items.length)} lines.`;
      } else {
        showError(`Stopped after ${fmtInt(done)} of ${fmtInt(items.length)} lines: ${describeError(err)}`);
        progressText.textContent = "";
      }
    } finally {
      submit.disabled = false;
      cancel.hidden = true;
      controller = null;
    }
    if (rows.length) {
      results.hidden = false;
      renderFilters();
      renderTable();
    }
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const file = input.files && input.files[0];
    if (!file) {
      showError("Choose a file first.");
      input.focus();
      return;
    }
    let items;
    try {
      items = linesOfFile(file.name, await file.text());
    } catch (err) {
      showError(describeError(err));
      return;
    }
    if (!items.length) {
      showError(`${file.name} has no log lines.`);
      return;
    }
    fileName = file.name.replace(/\.[^.]+$/, "") || "logs";
    await classifyAll(items);
  });
  cancel.addEventListener("click", () => controller && controller.abort());
  for (const f of [labelFilter, stageFilter]) {
    f.addEventListener("change", () => {
      shown = PAGE_ROWS;
      renderTable();
    });
  }
  textFilter.addEventListener("input", () => {
    shown = PAGE_ROWS;
    renderTable();
  });
  more.addEventListener("click", () => {
    shown += PAGE_ROWS;
    renderTable();
  });
  download.addEventListener("click", () => {
    const match = filtered();
    const csv = toCSV([["source", "log_message", "label_id", "label", "stage", "confidence"],
      ...match.map((r) => [r.source || "", r.log_message, r.label_id, r.label, r.stage, r.confidence])]);
    const url = URL.createObjectURL(new Blob([csv], { type: "text/csv;charset=utf-8" }));
    const a = el("a", { href: url, download: `${fileName}_classified.csv`, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  });

  return {
    /** Classify lines pasted in the Classify tab when there are too many for cards. */
    classifyLines(lines, source) {
      fileName = "pasted";
      return classifyAll(lines.map((l) => ({ source: source || null, log_message: l })));
    },
  };
}
