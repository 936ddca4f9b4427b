// One classified line as a card: the label, how sure, who decided, and the journey through
// the three stages, each with its status (and confidence when it had one) and its time.

import { STAGES, STATUS_ICONS, el, fmtConf, fmtMs, labelColor, statusClass } from "./format.js";

function decidedBy(r) {
  const stage = { Regex: "Regex Engine", BERT: "BERT Model", LLM: "LLM Fallback" }[r.pipeline_stage];
  if (r.classifier === "cache") return `${stage || "an earlier stage"}, from the template cache`;
  if (r.classifier === "none" || !stage) return "no stage: fallback label";
  return stage;
}

function stageItem(name, step, index) {
  if (!step) {
    return el("li", { class: "stage st-not-reached", "data-stage": name, "data-status": "" },
      el("span", { class: "stage-name" }, el("span", { class: "stage-num", "aria-hidden": "true" }, index + 1), name),
      el("span", { class: "stage-status" }, "Not reached"));
  }
  const conf = step.confidence !== undefined && step.confidence !== null ? fmtConf(step.confidence) : "";
  return el("li", { class: `stage ${statusClass(step.status)}`, "data-stage": name, "data-status": step.status },
    el("span", { class: "stage-name" }, el("span", { class: "stage-num", "aria-hidden": "true" }, index + 1), name),
    el("span", { class: "stage-status" },
      el("span", { class: "stage-icon", "aria-hidden": "true" }, STATUS_ICONS[step.status] || "•"),
      step.status,
      conf ? el("span", { class: "stage-conf" }, conf) : null),
    step.details ? el("span", { class: "stage-details" }, step.details) : null,
    el("span", { class: "stage-time" }, el("span", { class: "sr-only" }, "took "), fmtMs(step.duration_ms || 0)));
}

/** The journey as an ordered list of the three stages, in pipeline order. */
export function journeyList(journey) {
  const byStage = Object.fromEntries((journey || []).map((s) => [s.stage, s]));
  return el("ol", { class: "journey", "aria-label": "Journey through the stages" },
    ...STAGES.map((name, i) => stageItem(name, byStage[name], i)));
}

function labelBadge(r) {
  return el("span", { class: "label-badge", style: `--label:${labelColor(r.label_id)}`, title: r.label_id },
    r.label || r.label_id);
}

function confidenceBar(c) {
  const pct = Math.max(0, Math.min(1, Number(c) || 0)) * 100;
  return el("span", { class: "conf" },
    el("span", { class: "sr-only" }, "confidence "),
    el("span", { class: "conf-value" }, fmtConf(c)),
    el("span", { class: "conf-bar", "aria-hidden": "true" }, el("span", { style: `width:${pct.toFixed(0)}%` })));
}

/** A card (a <details>) for one answer of POST /api/classify. */
export function resultCard(r, { open = false } = {}) {
  const card = el("details", { class: "result", "data-label": r.label_id, "data-classifier": r.classifier },
    el("summary", {},
      el("code", { class: "line", title: r.log_analyzed }, r.log_analyzed),
      el("span", { class: "verdict" },
        labelBadge(r),
        confidenceBar(r.final_confidence),
        el("span", { class: "decider" }, "by ", decidedBy(r)),
        el("span", { class: "total-time" }, fmtMs(r.processing_time_ms)))),
    el("div", { class: "result-body" },
      el("p", { class: "label-id" }, "Label id ", el("code", {}, r.label_id)),
      journeyList(r.journey)));
  card.open = open;
  return card;
}

/** A placeholder card while a line is on its way, or one that says why it failed. */
export function pendingCard(line) {
  return el("details", { class: "result pending" },
    el("summary", {}, el("code", { class: "line" }, line),
      el("span", { class: "verdict" }, el("span", { class: "spinner", "aria-hidden": "true" }), "Classifying…")));
}

export function errorCard(line, message) {
  return el("details", { class: "result failed", open: true },
    el("summary", {}, el("code", { class: "line" }, line),
      el("span", { class: "verdict" }, el("span", { class: "error-text" }, "Not classified"))),
    el("div", { class: "result-body" }, el("p", { class: "error" }, message)));
}
