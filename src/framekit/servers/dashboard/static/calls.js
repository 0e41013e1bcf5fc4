// Recent calls: search, filters and pages, kept in the address so back and reload keep them.
import { api, badge, count, duration, el, prefix, when } from "./common.js";

const LIMIT = 50;
const form = document.getElementById("filters");
const rows = document.getElementById("calls-rows");
const empty = document.getElementById("calls-empty");
const status = document.getElementById("calls-status");
const info = document.getElementById("page-info");
const prev = document.getElementById("prev");
const next = document.getElementById("next");
const FIELDS = ["q", "outcome", "from", "to"];
let offset = 0;
let shown = 0;
let loading = null;

function readAddress() {
  const params = new URLSearchParams(location.search);
  for (const name of FIELDS) form.elements[name].value = params.get(name) || "";
  offset = Math.max(0, parseInt(params.get("offset") || "0", 10) || 0);
}

function query() {
  const params = new URLSearchParams();
  for (const name of FIELDS) {
    const value = form.elements[name].value.trim();
    if (value) params.set(name, value);
  }
  if (offset) params.set("offset", String(offset));
  return params;
}

function row(call) {
  const link = el("a", { href: `${prefix}/calls/${encodeURIComponent(call.id)}` }, when(call.started_at));
  return el(
    "tr",
    {},
    el("td", {}, link),
    el("td", {}, call.caller || el("span", { class: "muted" }, "unknown")),
    el("td", {}, call.direction),
    el("td", { class: "num" }, duration(call.duration_s)),
    el("td", {}, badge(call.outcome)),
    el("td", { class: "muted" }, (call.end_reason || "").replaceAll("_", " ")),
  );
}

async function load() {
  const params = query();
  history.replaceState(null, "", params.size ? `?${params}` : location.pathname);
  sessionStorage.setItem("framekit-calls", location.pathname + location.search);
  params.set("limit", String(LIMIT));
  const asked = params.toString();
  loading = asked;
  status.textContent = "Loading…";
  try {
    const page = await api(`/api/calls?${asked}`);
    if (loading !== asked) return;
    shown = page.calls.length;
    rows.replaceChildren(...page.calls.map(row));
    empty.hidden = shown > 0;
    const first = shown ? page.offset + 1 : 0;
    info.textContent = `${count(first)}–${count(page.offset + shown)} of ${count(page.total)}`;
    status.textContent = `${count(page.total)} calls`;
    prev.disabled = page.offset === 0;
    next.disabled = page.offset + shown >= page.total;
  } catch (error) {
    if (error.status !== 401) status.textContent = `Could not load calls: ${error.message}`;
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  offset = 0;
  load();
});
form.addEventListener("reset", () => {
  setTimeout(() => {
    offset = 0;
    load();
  });
});
form.elements.outcome.addEventListener("change", () => {
  offset = 0;
  load();
});
let typing = null;
form.elements.q.addEventListener("input", () => {
  clearTimeout(typing);
  typing = setTimeout(() => {
    offset = 0;
    load();
  }, 350);
});
prev.addEventListener("click", () => {
  offset = Math.max(0, offset - LIMIT);
  load();
});
next.addEventListener("click", () => {
  offset += LIMIT;
  load();
});

readAddress();
load();
