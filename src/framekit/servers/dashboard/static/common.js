// What every dashboard page shares: reading the JSON API, building elements, formatting.

export const prefix = document.body.dataset.prefix || "/dashboard";

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// GET a JSON API path with the session cookie; a lost session goes back to the sign-in.
export async function api(path) {
  const response = await fetch(path, { headers: { Accept: "application/json" }, credentials: "same-origin" });
  if (response.status === 401) {
    location.assign(`${prefix}/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    throw new ApiError(401, "signed out");
  }
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      message = (await response.json()).error || message;
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(response.status, message);
  }
  return response.json();
}

// el("td", {class: "num"}, "42"): an element with attributes and children (text is never HTML).
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export function badge(word) {
  return word ? el("span", { class: `badge ${word}` }, word) : el("span", { class: "muted" }, "–");
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });

export function when(iso) {
  return iso ? dateTime.format(new Date(iso)) : "–";
}

export function clock(date) {
  return timeOnly.format(date);
}

// 75.2 -> "1:15"; 3725 -> "1:02:05"
export function duration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "–";
  const whole = Math.max(0, Math.round(seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

export function percent(ratio) {
  return typeof ratio === "number" ? `${(ratio * 100).toFixed(1)} %` : "–";
}

export function ms(value) {
  return typeof value === "number" ? `${Math.round(value)} ms` : "–";
}

export function count(value) {
  return typeof value === "number" ? value.toLocaleString() : "–";
}

export function setStatus(node, text) {
  node.textContent = text;
}

// A <dl> of label/value pairs, skipping the values that are missing.
export function facts(list, pairs) {
  list.replaceChildren(
    ...pairs
      .filter(([, value]) => value !== null && value !== undefined && value !== "")
      .map(([label, value]) => el("div", {}, el("dt", {}, label), el("dd", {}, value))),
  );
}
