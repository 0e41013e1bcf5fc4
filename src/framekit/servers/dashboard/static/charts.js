// Small charts drawn as inline SVG: lines and stacked bars over labelled buckets. No library.
import { el } from "./common.js";

const NS = "http://www.w3.org/2000/svg";
const W = 520;
const H = 220;
const PAD = { left: 58, right: 12, top: 12, bottom: 28 };
// Words that keep one colour on every chart and badge: resolved is green wherever it shows.
const TONES = {
  resolved: "good", transferred: "info", unresolved: "warn", abandoned: "neutral", failed: "bad",
  positive: "good", neutral: "neutral", negative: "bad", p50: "info", p95: "warn",
};
const PALETTE = ["info", "bad", "good", "warn", "neutral"];
const tone = (name, index) => `tone-${TONES[name] || PALETTE[index % PALETTE.length]}`;

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  for (const child of children) node.append(child);
  return node;
}

function niceMax(value) {
  if (!(value > 0)) return 1;
  const step = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= value) return m * step;
  return 10 * step;
}

// The grid, the value axis and the bucket labels; bars put each label in the middle of its slot.
function frame(labels, top, format, centered = false) {
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, labels.length);
  const x = centered
    ? (i) => PAD.left + (i + 0.5) * slot
    : (i) => PAD.left + (labels.length <= 1 ? plotW / 2 : (i * plotW) / (labels.length - 1));
  const y = (v) => PAD.top + plotH - (v / top) * plotH;
  const parts = [];
  const steps = top % 4 === 0 && top >= 4 ? 4 : 5; // 0-2000 by 500, 0-50 by 10, 0-1 by 0.2
  for (let k = 0; k <= steps; k++) {
    const value = (top * k) / steps;
    parts.push(svg("line", { class: "grid", x1: PAD.left, x2: W - PAD.right, y1: y(value), y2: y(value) }));
    const text = svg("text", { class: "axis", x: PAD.left - 6, y: y(value) + 4, "text-anchor": "end" });
    text.textContent = format(value);
    parts.push(text);
  }
  const every = Math.max(1, Math.ceil(labels.length / 6));
  labels.forEach((label, i) => {
    if (i % every) return;
    const text = svg("text", { class: "axis", x: x(i), y: H - 8, "text-anchor": "middle" });
    text.textContent = label;
    parts.push(text);
  });
  return { x, y, slot, parts };
}

function figure(title, summary, names, body) {
  const picture = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": `${title}: ${summary}` }, ...body);
  const legend = el(
    "ul",
    { class: "legend", "aria-hidden": "true" },
    names.map((name, i) => el("li", {}, el("i", { class: tone(name, i) }), name)),
  );
  return el("figure", { class: "card chart" }, el("h2", {}, title), picture, names.length > 1 ? legend : null);
}

function describe(series, format) {
  return series
    .map(({ name, values }) => {
      const known = values.filter((v) => typeof v === "number");
      if (!known.length) return `${name}: no data`;
      return `${name} from ${format(Math.min(...known))} to ${format(Math.max(...known))}`;
    })
    .join("; ");
}

// series: [{name, values: [number|null per label]}]
export function lineChart(title, labels, series, format = String) {
  const all = series.flatMap((s) => s.values).filter((v) => typeof v === "number");
  const { x, y, parts } = frame(labels, niceMax(Math.max(0, ...all)), format);
  series.forEach(({ name, values }, index) => {
    let d = "";
    let pen = false;
    values.forEach((value, i) => {
      if (typeof value !== "number") {
        pen = false;
        return;
      }
      d += `${pen ? "L" : "M"}${x(i).toFixed(1)},${y(value).toFixed(1)}`;
      pen = true;
      const dot = svg("circle", { class: tone(name, index), cx: x(i), cy: y(value), r: 3 });
      dot.append(svg("title", {}, `${labels[i]} · ${name}: ${format(value)}`));
      parts.push(dot);
    });
    if (d) parts.push(svg("path", { class: `line ${tone(name, index)}`, d }));
  });
  return figure(title, describe(series, format), series.map((s) => s.name), parts);
}

// series stacked per label: [{name, values: [number per label]}]
export function barChart(title, labels, series, format = String) {
  const totals = labels.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] || 0), 0));
  const { y, slot, parts } = frame(labels, niceMax(Math.max(0, ...totals)), format, true);
  const width = Math.max(1, slot * 0.7);
  labels.forEach((label, i) => {
    let base = 0;
    series.forEach(({ name, values }, index) => {
      const value = values[i] || 0;
      if (!value) return;
      const rect = svg("rect", {
        class: tone(name, index),
        x: PAD.left + i * slot + (slot - width) / 2,
        y: y(base + value),
        width,
        height: Math.max(0, y(base) - y(base + value)),
      });
      rect.append(svg("title", {}, `${label} · ${name}: ${format(value)}`));
      parts.push(rect);
      base += value;
    });
  });
  return figure(title, describe(series, format), series.map((s) => s.name), parts);
}
