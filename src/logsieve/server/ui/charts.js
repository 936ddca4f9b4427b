// A stacked bar chart over time, drawn in SVG (no chart library: the page must work offline
// and without a build step). Each bar is one poll interval; each colour one series.

const NS = "http://www.w3.org/2000/svg";
const PAD = { left: 44, right: 10, top: 12, bottom: 26 };

function svgEl(tag, attrs = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function niceMax(v) {
  if (v <= 4) return 4;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function clock(t) {
  return new Date(t).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

/**
 * Draw `buckets` ([{t: ms, values: {key: n}}], oldest first) into `svg` as stacked bars over
 * the last `windowMs`; `keys` in stacking order; `colorOf(key)`, `nameOf(key)`.
 */
export function stackedBars(svg, { buckets, keys, colorOf, nameOf, windowMs, slots }) {
  // Drawn at the size it is shown, so text stays readable on a phone as on a laptop.
  const W = Math.max(260, Math.round(svg.clientWidth || svg.parentNode.clientWidth || 640));
  const H = W < 480 ? 180 : 220;
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.replaceChildren();
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const now = buckets.length ? buckets[buckets.length - 1].t : Date.now();
  const start = now - windowMs;
  const totals = buckets.map((b) => keys.reduce((s, k) => s + (b.values[k] || 0), 0));
  const ymax = niceMax(Math.max(0, ...totals));
  const y = (v) => PAD.top + plotH - (v / ymax) * plotH;

  const grid = svgEl("g", { class: "grid" });
  for (const v of [0, ymax / 2, ymax]) {
    grid.append(svgEl("line", { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v) }));
    grid.append(svgEl("text", { x: PAD.left - 6, y: y(v) + 4, "text-anchor": "end" },
      Number.isInteger(v) ? v.toLocaleString() : v.toFixed(1)));
  }
  grid.append(svgEl("text", { x: PAD.left, y: H - 6, "text-anchor": "start" }, clock(start)));
  grid.append(svgEl("text", { x: W - PAD.right, y: H - 6, "text-anchor": "end" }, clock(now)));
  svg.append(grid);

  const barW = Math.max(2, plotW / slots - 2);
  const bars = svgEl("g", { class: "bars" });
  buckets.forEach((b, i) => {
    if (b.t < start || !totals[i]) return;
    const x = PAD.left + ((b.t - start) / windowMs) * plotW - barW;
    let base = 0;
    for (const k of keys) {
      const v = b.values[k] || 0;
      if (!v) continue;
      const rect = svgEl("rect", {
        x: Math.max(PAD.left, x).toFixed(1), width: barW.toFixed(1),
        y: y(base + v).toFixed(1), height: Math.max(1, y(base) - y(base + v)).toFixed(1),
        fill: colorOf(k),
      });
      rect.append(svgEl("title", {}, `${clock(b.t)} · ${nameOf(k)}: ${v.toLocaleString()}`));
      bars.append(rect);
      base += v;
    }
  });
  svg.append(bars);
  if (!totals.some(Boolean)) {
    svg.append(svgEl("text", { class: "empty", x: PAD.left + plotW / 2, y: PAD.top + plotH / 2, "text-anchor": "middle" },
      "No lines classified since this page opened"));
  }
}

/**
 * A small line of `series` (counts per bucket, oldest first) as an inline SVG, with a title
 * saying what it shows; flat at the bottom when every count is 0.
 */
export function sparkline(series, { width = 120, height = 24, bucketSeconds = 60 } = {}) {
  const svg = svgEl("svg", { class: "spark", width, height, viewBox: `0 0 ${width} ${height}`, role: "img" });
  const n = series.length;
  const max = Math.max(1, ...series);
  const step = n > 1 ? width / (n - 1) : width;
  const points = series.map((v, i) => `${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`);
  svg.append(svgEl("polyline", { points: points.join(" "), fill: "none", stroke: "currentColor", "stroke-width": 1.5 }));
  const total = series.reduce((a, b) => a + b, 0);
  const minutes = Math.round((n * bucketSeconds) / 60);
  svg.append(svgEl("title", {}, `${total.toLocaleString()} lines in the last ${minutes} min (peak ${Math.max(0, ...series).toLocaleString()} per ${bucketSeconds} s)`));
  svg.dataset.total = String(total);
  return svg;
}
