// The "Dashboard" tab: polls GET /api/dashboard (cumulative counts) and draws the lines
// classified per interval, by stage and by label, plus cache, LLM, breakers and templates.
// It polls while the page is visible, whichever tab is open, so the charts have a history.

import { ApiError, describeError, getJSON, onKeyChange } from "./api.js";
import { sparkline, stackedBars } from "./charts.js";
import { CLASSIFIERS, CLASSIFIER_COLORS, el, fmtConf, fmtInt, fmtPct, knownLabels, labelColor, labelName, setLabels } from "./format.js";

const SLOTS = 60; // bars kept per chart
const STAGE_KEYS = ["regex", "cache", "bert", "llm", "none"];

function deltas(now, before) {
  const out = {};
  for (const [k, v] of Object.entries(now)) out[k] = Math.max(0, v - ((before && before[k]) || 0));
  return out;
}

function legend(ul, keys, totals, colorOf, nameOf) {
  ul.replaceChildren(...keys.map((k) => el("li", { "data-key": k, class: totals[k] ? "" : "zero" },
    el("span", { class: "swatch", style: `background:${colorOf(k)}`, "aria-hidden": "true" }),
    el("span", { class: "legend-name" }, nameOf(k)),
    el("span", { class: "legend-count" }, fmtInt(totals[k] || 0)))));
}

export function setupDashboard({ pollMs }) {
  const status = document.getElementById("dash-status");
  const errorBox = document.getElementById("dash-error");
  const pause = document.getElementById("dash-pause");
  const stageSvg = document.getElementById("chart-stage");
  const labelSvg = document.getElementById("chart-label");
  let previous = null;
  let buckets = []; // {t, stage: {}, label: {}}
  let timer = null;
  let paused = false;
  let blocked = false; // waiting for an API key
  let inFlight = false;

  function render(d) {
    setLabels(d.taxonomy.labels, d.taxonomy.fallback);
    document.getElementById("kpi-lines").textContent = fmtInt(d.lines);
    const past = d.cache.line_hits + d.cache.line_misses; // exact, not the rounded rate
    document.getElementById("kpi-hit").textContent = past ? fmtPct(d.cache.line_hits / past) : "–";
    document.getElementById("kpi-hit-note").textContent =
      `${fmtInt(d.cache.line_hits)} of ${fmtInt(d.cache.line_hits + d.cache.line_misses)} lines past the rules`;
    document.getElementById("kpi-llm").textContent = fmtInt(d.llm.calls);
    document.getElementById("kpi-llm-note").textContent = d.llm.configured
      ? (d.llm.model ? `model ${d.llm.model}` : "configured") : "LLM not configured";
    document.getElementById("kpi-templates").textContent = fmtInt(d.cache.size);
    document.getElementById("kpi-templates-note").textContent = `of ${fmtInt(d.cache.capacity)} kept`;

    const stages = document.getElementById("stages");
    stages.replaceChildren(
      el("li", {}, el("strong", {}, "Regex Engine"), ` ${fmtInt(d.rules)} rules`),
      el("li", {}, el("strong", {}, "BERT Model"), " ", d.embedding.loaded
        ? `loaded, accepts at ≥ ${d.embedding.threshold}` : `unavailable: ${d.embedding.reason || "not loaded"}`),
      el("li", {}, el("strong", {}, "LLM Fallback"), " ", d.llm.configured
        ? `${d.llm.model || "configured"}` : `unavailable: ${d.llm.reason || "not configured"}`));

    const breakers = document.getElementById("breakers");
    const entries = Object.entries(d.breakers || {});
    breakers.replaceChildren(...(entries.length ? entries.map(([name, state]) =>
      el("li", { "data-breaker": name, "data-state": state },
        el("span", { class: "breaker-name" }, CLASSIFIERS[name] || name),
        el("span", { class: `breaker-state bs-${String(state).replace(/_/g, "-")}` }, String(state).replace(/_/g, " "))))
      : [el("li", { class: "muted" }, "No circuit breakers in use.")]));

    const priorRows = document.querySelector("#priors tbody");
    const p = d.priors;
    priorRows.replaceChildren(...(p && p.target ? Object.keys(p.target).map((id) => el("tr", { "data-label": id },
      el("td", { "data-th": "Label" }, labelName(id)),
      el("td", { class: "num", "data-th": "Assumed" }, fmtPct(p.target[id])),
      el("td", { class: "num", "data-th": "Trained under" }, fmtPct(p.train[id])),
      el("td", { class: "num", "data-th": "Estimated from traffic" },
        p.estimated ? fmtPct(p.estimated.estimated[id]) : "–")))
      : [el("tr", {}, el("td", { colspan: 4, class: "muted" }, "No prior correction: the taxonomy gives no priors, or the head records no training mix."))]));
    document.getElementById("priors-note").dataset.templates = p && p.estimated ? p.estimated.templates : 0;

    const tbody = document.querySelector("#templates tbody");
    tbody.replaceChildren(...(d.top_templates.length ? d.top_templates.map((t) => el("tr", {},
      el("td", { class: "msg", "data-th": "Template" }, el("code", {}, t.template)),
      el("td", { class: "num", "data-th": "Lines" }, fmtInt(t.count)),
      el("td", { "data-th": "Label" }, el("span", { class: "label-badge", style: `--label:${labelColor(t.label_id)}`, title: t.label_id }, t.label)),
      el("td", { "data-th": "Decided by" }, (CLASSIFIERS[t.stage] || t.stage) + (t.accepted ? "" : " (below threshold)")),
      el("td", { class: "num", "data-th": "Confidence" }, fmtConf(t.confidence)),
      el("td", { class: "spark-cell", "data-th": "Last hour" }, sparkline(t.series || [], { bucketSeconds: d.series_bucket_seconds || 60 }))))
      : [el("tr", {}, el("td", { colspan: 6, class: "muted" }, "No templates cached yet: lines decided by the rules are not cached."))]));

    // Counts are cumulative: each poll adds one bar of what changed since the last one.
    const now = Date.now();
    if (previous && d.lines >= previous.lines) {
      buckets.push({ t: now, stage: deltas(d.by_stage, previous.by_stage), label: deltas(d.by_label, previous.by_label) });
    } else {
      buckets = [{ t: now, stage: {}, label: {} }]; // first poll, or the server restarted
    }
    buckets = buckets.slice(-SLOTS);
    previous = d;
    drawCharts();
    document.getElementById("dash-scope").hidden = !d.per_worker.length;
  }

  function drawCharts() {
    const d = previous;
    if (!d) return;
    const windowMs = SLOTS * pollMs;
    const labelKeys = [...new Set([...knownLabels(), ...Object.keys(d.by_label)])];
    stackedBars(stageSvg, { buckets: buckets.map((b) => ({ t: b.t, values: b.stage })), keys: STAGE_KEYS,
      colorOf: (k) => CLASSIFIER_COLORS[k] || "#888", nameOf: (k) => CLASSIFIERS[k] || k, windowMs, slots: SLOTS });
    stackedBars(labelSvg, { buckets: buckets.map((b) => ({ t: b.t, values: b.label })), keys: labelKeys,
      colorOf: labelColor, nameOf: labelName, windowMs, slots: SLOTS });
    legend(document.getElementById("legend-stage"), STAGE_KEYS, d.by_stage, (k) => CLASSIFIER_COLORS[k], (k) => CLASSIFIERS[k] || k);
    legend(document.getElementById("legend-label"), labelKeys, d.by_label, labelColor, labelName);
    const recent = buckets.reduce((s, b) => s + Object.values(b.stage).reduce((a, v) => a + v, 0), 0);
    stageSvg.setAttribute("aria-label", `Lines per stage, one bar every ${pollMs / 1000} s: ${fmtInt(recent)} lines in the window shown.`);
    labelSvg.setAttribute("aria-label", `Lines per label, one bar every ${pollMs / 1000} s: ${fmtInt(recent)} lines in the window shown.`);
  }

  async function poll() {
    timer = null;
    if (paused || blocked || document.hidden || inFlight) return;
    inFlight = true;
    try {
      const d = await getJSON("api/dashboard?top=10");
      render(d);
      errorBox.hidden = true;
      status.textContent = `Updated ${new Date().toLocaleTimeString()} · every ${pollMs / 1000} s`;
    } catch (err) {
      errorBox.hidden = false;
      errorBox.textContent = `Dashboard not updated: ${describeError(err)}`;
      if (err instanceof ApiError && err.status === 401) blocked = true; // until a key is given
    } finally {
      inFlight = false;
      schedule();
    }
  }

  function schedule(delay = pollMs) {
    if (timer === null && !paused && !blocked && !document.hidden) timer = setTimeout(poll, delay);
  }

  pause.addEventListener("click", () => {
    paused = !paused;
    pause.textContent = paused ? "Resume updates" : "Pause updates";
    pause.setAttribute("aria-pressed", String(paused));
    if (paused && timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    if (!paused) schedule(0);
  });
  document.addEventListener("visibilitychange", () => schedule(0));
  let resizing = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(drawCharts, 150);
  });
  onKeyChange(() => {
    blocked = false;
    schedule(0);
  });
  return {
    start: () => schedule(0),
    refresh() {
      drawCharts(); // the panel was hidden: draw at its real width now
      schedule(0);
    },
    waitForKey() {
      blocked = true;
      errorBox.hidden = false;
      errorBox.textContent = "Dashboard not updated: an API key is needed (use the “API key” button).";
    },
  };
}
