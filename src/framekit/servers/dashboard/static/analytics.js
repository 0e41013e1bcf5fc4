// Analytics over time from /api/analytics: totals, then charts per hour (24 h) or per day.
import { api, count, duration, el, ms, percent } from "./common.js";
import { barChart, lineChart } from "./charts.js";

const OUTCOMES = ["resolved", "transferred", "unresolved", "abandoned", "failed"];
const MOODS = ["positive", "neutral", "negative"];
const range = document.getElementById("range");
const status = document.getElementById("analytics-status");
const kpis = document.getElementById("kpis");
const charts = document.getElementById("charts");

const num = (v) => (typeof v === "number" ? v : null);
const dig = (object, ...path) => path.reduce((o, k) => (o && typeof o === "object" ? o[k] : undefined), object);

function kpi(label, value) {
  return el("div", { class: "card kpi" }, el("div", { class: "value" }, value), el("div", { class: "label" }, label));
}

function bucketLabel(iso, bucket) {
  const date = new Date(iso);
  return bucket === "hour"
    ? date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })
    : date.toLocaleDateString(undefined, { month: "short", day: "numeric" });
}

function nothing(message) {
  kpis.replaceChildren();
  charts.replaceChildren(el("p", { class: "card empty" }, message));
}

function render(body) {
  const totals = body.totals;
  const series = Array.isArray(body.series) ? body.series : [];
  if (!totals || typeof totals !== "object") {
    nothing("No analytics yet.");
    return;
  }
  const mood = totals.sentiment || {};
  const moodTotal = MOODS.reduce((sum, m) => sum + (num(mood[m]) || 0), 0);
  kpis.replaceChildren(
    kpi("Calls", count(totals.calls)),
    kpi("Resolution rate", percent(totals.resolution_rate)),
    kpi("Transfer rate", percent(totals.transfer_rate)),
    kpi("Average handle time", duration(num(totals.avg_handle_s))),
    kpi("Positive callers", moodTotal ? percent((num(mood.positive) || 0) / moodTotal) : "–"),
    kpi("Negative callers", moodTotal ? percent((num(mood.negative) || 0) / moodTotal) : "–"),
    kpi("Latency p50", ms(dig(totals, "latency_ms", "p50"))),
    kpi("Latency p95", ms(dig(totals, "latency_ms", "p95"))),
  );
  if (!series.length) {
    charts.replaceChildren(el("p", { class: "card empty" }, "No calls in this period."));
    return;
  }
  const labels = series.map((point) => bucketLabel(point.start, body.bucket));
  const of = (...path) => series.map((point) => num(dig(point, ...path)));
  const rate = (key) =>
    series.map((point) => {
      const calls = num(point.calls);
      const value = num(dig(point, "outcomes", key));
      return calls && value !== null ? value / calls : null;
    });
  const whole = (v) => count(Math.round(v));
  charts.replaceChildren(
    barChart("Calls by outcome", labels, OUTCOMES.map((name) => ({ name, values: of("outcomes", name) })), whole),
    lineChart("Resolution and transfer rates", labels, [
      { name: "resolved", values: rate("resolved") },
      { name: "transferred", values: rate("transferred") },
    ], (v) => `${Math.round(v * 100)} %`),
    lineChart("Average handle time", labels, [{ name: "handle time", values: of("avg_handle_s") }], (v) => duration(v)),
    barChart("Sentiment mix", labels, MOODS.map((name) => ({ name, values: of("sentiment", name) })), whole),
    lineChart("Voice-to-voice latency", labels, [
      { name: "p50", values: of("latency_ms", "p50") },
      { name: "p95", values: of("latency_ms", "p95") },
    ], (v) => `${Math.round(v)} ms`),
  );
}

async function load() {
  const days = Number(range.value);
  const until = new Date();
  const since = new Date(until - days * 86400000);
  const bucket = days <= 1 ? "hour" : "day";
  const params = new URLSearchParams({ since: since.toISOString(), until: until.toISOString(), bucket });
  history.replaceState(null, "", `?range=${days}`);
  status.textContent = "Loading…";
  try {
    render(await api(`/api/analytics?${params}`));
    status.textContent = `${since.toLocaleDateString()} – ${until.toLocaleDateString()}, per ${bucket}`;
  } catch (error) {
    if (error.status === 401) return;
    status.textContent = error.status === 404 ? "" : `Could not load analytics: ${error.message}`;
    nothing("No analytics yet.");
  }
}

const asked = new URLSearchParams(location.search).get("range");
if ([...range.options].some((o) => o.value === asked)) range.value = asked;
range.addEventListener("change", load);
load();
