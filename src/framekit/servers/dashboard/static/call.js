// One call: its facts, the transcript beside both recorded tracks, tools, latency and sentiment.
import { api, badge, duration, el, facts, ms, prefix, when } from "./common.js";
import { barChart } from "./charts.js";

const callId = decodeURIComponent(location.pathname.split("/").pop());
const status = document.getElementById("call-status");
const players = {};
let lines = [];

function offsetOf(iso, start) {
  return iso ? Math.max(0, (new Date(iso) - start) / 1000) : null;
}

function player(track, recording) {
  const url = recording && (recording.url || recording.remote_url);
  const label = track === "caller" ? "Caller track" : "Bot track";
  if (!url) return el("div", {}, el("p", { class: "muted small" }, `${label}: no recording`));
  const audio = el("audio", { controls: true, preload: "metadata", src: url, "aria-label": label });
  audio.dataset.track = track;
  audio.addEventListener("timeupdate", () => highlight(track, audio.currentTime));
  players[track] = audio;
  return el("div", {}, el("label", {}, label), audio);
}

function highlight(track, time) {
  for (const line of lines) {
    const on = line.track === track && time >= line.start && time < line.end;
    line.node.classList.toggle("playing", on);
  }
}

function seek(line) {
  const audio = players[line.track];
  if (!audio) return;
  for (const other of Object.values(players)) if (other !== audio) other.pause();
  audio.currentTime = line.start;
  audio.play().catch(() => {
    // a browser may refuse to start sound on its own; the position is set all the same
  });
  highlight(line.track, line.start);
}

function sentimentByTurn(analytics) {
  const turns = analytics && analytics.sentiment && analytics.sentiment.turns;
  return new Map((Array.isArray(turns) ? turns : []).map((t) => [t.turn, t]));
}

function transcript(call, analytics) {
  const start = new Date(call.started_at);
  const sentiments = sentimentByTurn(analytics);
  const latencies = (call.turns || []).map((turn) => ({ at: turn.bot_started_at, latency: turn.latency_s }));
  let callerTurn = 0;
  lines = call.transcript.map((segment) => {
    const user = segment.speaker === "user";
    const begin = offsetOf(segment.started_at, start);
    const end = offsetOf(segment.ended_at, start) ?? (begin === null ? null : begin + 3);
    const meta = [];
    if (user) {
      const mood = sentiments.get(callerTurn++);
      if (mood) meta.push(el("span", { class: `badge ${mood.label}`, title: `score ${mood.score}` }, mood.label));
    } else if (segment.started_at) {
      const at = new Date(segment.started_at) - 0;
      const turn = latencies.find((t) => t.at && Math.abs(new Date(t.at) - at) < 1500);
      if (turn) meta.push(el("span", {}, `${Math.round(turn.latency * 1000)} ms`));
    }
    if (segment.truncated) meta.push(el("span", { class: "cut" }, "cut off"));
    const button = el(
      "button",
      { type: "button", "aria-label": `${user ? "Caller" : "Bot"} at ${duration(begin)}: ${segment.text}` },
      el("span", { class: "at" }, duration(begin)),
      el("span", {}, el("span", { class: "who" }, user ? "Caller" : "Bot"), segment.text),
      el("span", { class: "meta" }, meta),
    );
    const node = el("li", { class: user ? "user" : "bot" }, button);
    const line = { node, track: user ? "caller" : "bot", start: begin ?? 0, end: end ?? 0 };
    button.addEventListener("click", () => seek(line));
    return line;
  });
  document.getElementById("transcript").replaceChildren(...lines.map((l) => l.node));
  if (!lines.length) document.getElementById("transcript-help").textContent = "Nothing was said.";
}

function tools(call) {
  const rows = call.tools.map((tool) => {
    const took = tool.started_at && tool.ended_at ? new Date(tool.ended_at) - new Date(tool.started_at) : null;
    const outcome = tool.error ? el("span", { class: "badge error" }, tool.error) : el("pre", { class: "json" }, JSON.stringify(tool.result));
    return el(
      "tr",
      {},
      el("td", {}, el("code", {}, tool.name)),
      el("td", {}, el("pre", { class: "json" }, JSON.stringify(tool.arguments))),
      el("td", {}, outcome),
      el("td", { class: "num" }, took === null ? "–" : `${took} ms`),
    );
  });
  document.getElementById("tools-rows").replaceChildren(...rows);
  document.getElementById("tools-empty").hidden = rows.length > 0;
}

function latency(call) {
  const box = document.getElementById("latency-chart");
  if (!call.turns.length) {
    box.replaceChildren(el("p", { class: "empty" }, "No turns measured."));
    return;
  }
  const labels = call.turns.map((t) => `#${t.turn_index + 1}`);
  const values = call.turns.map((t) => Math.round(t.latency_s * 1000));
  const chart = barChart("Voice to voice", labels, [{ name: "latency", values }], (v) => `${Math.round(v)} ms`);
  chart.classList.remove("card");
  box.replaceChildren(chart);
}

function analyticsPart(analytics) {
  const summary = document.getElementById("summary");
  const list = document.getElementById("analytics-facts");
  if (!analytics || typeof analytics !== "object") {
    summary.textContent = "No analytics yet.";
    return;
  }
  summary.textContent = analytics.summary || (analytics.status === "done" ? "No summary." : `Analysis ${analytics.status || "pending"}.`);
  summary.classList.toggle("muted", !analytics.summary);
  const talk = analytics.talk_s || {};
  const latencyMs = analytics.latency_ms || {};
  const sentiment = analytics.sentiment || {};
  facts(list, [
    ["Resolution", analytics.resolution ? badge(analytics.resolution) : null],
    ["Sentiment", sentiment.call ? badge(sentiment.call) : null],
    ["Start → end", sentiment.start && sentiment.end ? `${sentiment.start} → ${sentiment.end}` : null],
    ["Intents", Array.isArray(analytics.intents) && analytics.intents.length ? analytics.intents.map((i) => i.replaceAll("_", " ")).join(", ") : null],
    ["Caller talked", typeof talk.caller === "number" ? duration(talk.caller) : null],
    ["Bot talked", typeof talk.bot === "number" ? duration(talk.bot) : null],
    ["Turns", analytics.turns ?? null],
    ["Interruptions", analytics.interruptions ?? null],
    ["Silence", typeof analytics.silence_s === "number" ? duration(analytics.silence_s) : null],
    ["Latency p50 / p95", latencyMs.p50 !== undefined ? `${ms(latencyMs.p50)} / ${ms(latencyMs.p95)}` : null],
  ]);
}

async function load() {
  const back = sessionStorage.getItem("framekit-calls");
  if (back && back.startsWith(`${prefix}/calls`)) document.getElementById("back").href = back;
  let call;
  try {
    call = await api(`/api/calls/${encodeURIComponent(callId)}`);
  } catch (error) {
    if (error.status !== 401) status.textContent = error.status === 404 ? "No such call." : `Could not load the call: ${error.message}`;
    return;
  }
  const analytics = call.analytics ?? null;
  document.getElementById("call-title").textContent = `Call from ${call.caller || "an unknown number"}`;
  document.title = `Call from ${call.caller || "unknown"} · ${document.title.split(" · ").pop()}`;
  status.textContent = when(call.started_at);
  facts(document.getElementById("call-facts"), [
    ["Started", when(call.started_at)],
    ["Duration", duration(call.duration_s)],
    ["Outcome", badge(call.outcome)],
    ["End reason", (call.end_reason || "").replaceAll("_", " ")],
    ["Direction", call.direction],
    ["Dialled", call.dialled],
    ["Carrier id", call.external_id ? el("code", {}, call.external_id) : null],
  ]);
  const recordings = call.recordings || {};
  document.getElementById("players").replaceChildren(player("caller", recordings.caller), player("bot", recordings.bot));
  transcript(call, analytics);
  tools(call);
  latency(call);
  analyticsPart(analytics);
}

load();
