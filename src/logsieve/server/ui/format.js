// Names, colours and number formats shared by every part of the page.

export const STAGES = ["Regex Engine", "BERT Model", "LLM Fallback"];

// The deciding classifier (seed 001's `source` in /classify answers) as people read it.
export const CLASSIFIERS = {
  regex: "Regex Engine",
  bert: "BERT Model",
  llm: "LLM Fallback",
  cache: "Template cache",
  none: "None (fallback label)",
};

export const CLASSIFIER_COLORS = {
  regex: "#6a3d9a",
  bert: "#0072b2",
  llm: "#d55e00",
  cache: "#009e73",
  none: "#8a8f98",
};

// Okabe–Ito first (safe for the common colour-vision deficiencies), then a few more.
const PALETTE = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00",
  "#6a3d9a", "#b8860b", "#117733", "#882255", "#44aa99", "#999933", "#aa4499", "#332288"];
const FALLBACK_COLOR = "#8a8f98";

let labelOrder = [];
let labelNames = {};
let fallbackIds = new Set(["UNCLASSIFIED"]);

/** Learn the taxonomy's labels (from /api/dashboard) so colours stay put between charts. */
export function setLabels(labels, fallback) {
  if (fallback) fallbackIds = new Set([fallback]);
  labelOrder = labels.map((l) => l.id);
  labelNames = Object.fromEntries(labels.map((l) => [l.id, l.name]));
}

export function labelName(id) {
  return labelNames[id] || id;
}

export function labelColor(id) {
  if (fallbackIds.has(id)) return FALLBACK_COLOR;
  let i = labelOrder.indexOf(id);
  if (i < 0) {
    labelOrder.push(id);
    i = labelOrder.length - 1;
  }
  return PALETTE[i % PALETTE.length];
}

export function knownLabels() {
  return labelOrder.slice();
}

export function statusClass(status) {
  return "st-" + String(status).toLowerCase().replace(/[^a-z]+/g, "-");
}

export const STATUS_ICONS = {
  "Classified": "✓",
  "Low Confidence": "▼",
  "Skipped": "→",
  "Unavailable": "⊘",
  "Failed": "✕",
  "Cache Hit": "↺",
};

export function fmtConf(c) {
  return c === null || c === undefined ? "" : Number(c).toFixed(2);
}

export function fmtMs(ms) {
  if (ms === null || ms === undefined) return "";
  if (ms < 1) return ms.toFixed(2) + " ms";
  if (ms < 100) return ms.toFixed(1) + " ms";
  return Math.round(ms).toLocaleString() + " ms";
}

export function fmtInt(n) {
  return Math.round(n || 0).toLocaleString();
}

export function fmtPct(x) {
  return (100 * (x || 0)).toFixed(1) + "%";
}

/** A small DOM builder: el("span", {class: "x", text: "hi"}, child, …). Text only, never HTML. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") node.textContent = v;
    else if (k === "class") node.className = v;
    else if (k === "style") node.style.cssText = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : String(c));
  }
  return node;
}
