// Live calls: polled every 2 seconds (paused while the tab is hidden), durations tick every second.
import { api, clock, count, duration, el } from "./common.js";

const POLL_MS = 2000;
const rows = document.getElementById("live-rows");
const empty = document.getElementById("live-empty");
const status = document.getElementById("live-status");
const total = document.getElementById("live-count");
const label = document.getElementById("live-count-label");
let calls = [];
let timer = null;

function render() {
  const now = Date.now() / 1000;
  rows.replaceChildren(
    ...calls.map((call) =>
      el(
        "tr",
        { "data-call-sid": call.call_sid },
        el("td", {}, el("code", {}, call.call_sid)),
        el("td", {}, clock(new Date(call.started_at * 1000))),
        el("td", { class: "num" }, duration(now - call.started_at)),
        el("td", { class: "muted" }, call.process),
      ),
    ),
  );
  empty.hidden = calls.length > 0;
  total.textContent = count(calls.length);
  label.textContent = calls.length === 1 ? "call now" : "calls now";
}

async function poll() {
  timer = null;
  try {
    const body = await api("/api/live-calls");
    calls = (body.calls || []).sort((a, b) => a.started_at - b.started_at);
    const scope = body.scope === "all processes" ? "all processes" : "this process";
    status.textContent = `Updated ${clock(new Date())} · ${scope}`;
    render();
  } catch (error) {
    if (error.status === 401) return;
    status.textContent = `Live calls unavailable: ${error.message}`;
  }
  if (!document.hidden) timer = setTimeout(poll, POLL_MS);
}

document.addEventListener("visibilitychange", () => {
  if (!document.hidden && timer === null) poll();
});
setInterval(() => calls.length && render(), 1000);
poll();
