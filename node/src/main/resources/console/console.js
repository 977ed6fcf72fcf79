// The Annals web console: plain DOM and fetch against the node's own HTTP API (docs/api.md).
"use strict";

const $ = (id) => document.getElementById(id);
const TOKEN = "annals.token";
const PAGE = 20;

function authHeaders() {
  const token = sessionStorage.getItem(TOKEN);
  return token ? { Authorization: "Bearer " + token } : {};
}

async function api(path, options = {}) {
  const headers = Object.assign({ Accept: "application/json" }, authHeaders(), options.headers || {});
  const response = await fetch(path, Object.assign({}, options, { headers }));
  const text = await response.text();
  const body = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const detail = body && body.detail ? body.detail : response.statusText;
    throw new Error(response.status + " " + (body && body.title ? body.title + ": " : "") + detail);
  }
  return body;
}

function showError(e) {
  $("error").textContent = e ? String(e.message || e) : "";
  $("error").hidden = !e;
}

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  for (const c of children) node.append(c);
  return node;
}

const categoryOf = (stream) => (stream.includes("-") ? stream.slice(0, stream.indexOf("-")) : stream);

// ---- streams and categories -------------------------------------------------------------------

let streamsNext = null;
let streamNames = [];

async function loadStreams(more) {
  try {
    const after = more && streamsNext ? "&after=" + encodeURIComponent(streamsNext) : "";
    const page = await api("/streams?limit=200" + after);
    streamNames = more ? streamNames.concat(page.streams) : page.streams;
    streamsNext = page.next;
    $("more-streams").hidden = !page.next;
    renderStreams();
    showError(null);
  } catch (e) {
    showError(e);
  }
}

function renderStreams() {
  const q = $("search").value.trim().toLowerCase();
  const shown = streamNames.filter((s) => s.toLowerCase().includes(q));
  $("streams").replaceChildren(
    ...shown.map((s) => el("li", {}, el("a", { href: "#stream=" + encodeURIComponent(s), textContent: s }))));
  const categories = [...new Set(streamNames.map(categoryOf))].filter((c) => c.toLowerCase().includes(q));
  $("categories").replaceChildren(
    ...categories.map((c) =>
      el("li", {}, el("a", { href: "#", textContent: c, onclick: (ev) => { ev.preventDefault(); tail("category", c); } }))));
}

// ---- one stream -------------------------------------------------------------------------------

const view = { stream: null, from: 1, version: 0 };

function eventCard(e) {
  const title = e.stream + " @" + e.version + "  " + e.type + "  (transaction " + e.transaction + ")";
  return el("div", { className: "event" }, el("h3", { textContent: title }),
    el("pre", { textContent: JSON.stringify(e, null, 2) }));
}

async function showStream(stream, from) {
  view.stream = stream;
  view.from = Math.max(1, from);
  $("stream-view").hidden = false;
  $("stream-title").textContent = stream;
  $("append-stream").value = $("append-stream").value || stream;
  try {
    const valid = $("stream-valid").checked ? "&excludeInvalidated=true" : "";
    const page = await api("/streams/" + encodeURIComponent(stream) + "?from=" + view.from + "&limit=" + PAGE + valid);
    view.version = page.version;
    $("stream-info").textContent = "version " + page.version + ", events from " + view.from;
    $("events").replaceChildren(...page.events.map(eventCard));
    showError(null);
  } catch (e) {
    $("events").replaceChildren();
    showError(e);
  }
}

async function showSurface() {
  try {
    const page = await api("/streams/" + encodeURIComponent(view.stream) + "/surface?limit=100");
    $("stream-info").textContent = "surface: the newest event of each key";
    $("events").replaceChildren(...page.events.map(eventCard));
    showError(null);
  } catch (e) {
    showError(e);
  }
}

async function invalidate(ev) {
  ev.preventDefault();
  const tx = $("invalidate-tx").value;
  try {
    await api("/streams/" + encodeURIComponent(view.stream) + "/transactions/" + tx + "/invalidate", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ reason: $("invalidate-reason").value || "invalidated from the console" }),
    });
    await showStream(view.stream, view.from);
  } catch (e) {
    showError(e);
  }
}

// ---- append -----------------------------------------------------------------------------------

async function append(ev) {
  ev.preventDefault();
  let data;
  try {
    data = JSON.parse($("append-data").value);
  } catch (e) {
    showError(new Error("data is not JSON: " + e.message));
    return;
  }
  const stream = $("append-stream").value.trim();
  try {
    const result = await api("/streams/" + encodeURIComponent(stream), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ events: [{ type: $("append-type").value.trim(), data }] }),
    });
    $("append-result").textContent = "appended " + stream + " @" + result.lastVersion;
    showError(null);
    if (view.stream === stream) await showStream(stream, view.from);
    if (!streamNames.includes(stream)) await loadStreams(false);
  } catch (e) {
    $("append-result").textContent = "";
    showError(e);
  }
}

// ---- live tail --------------------------------------------------------------------------------

let source = null;

function tail(kind, name) {
  if (source) source.close();
  $("tail-kind").value = kind;
  $("tail-name").value = name || "";
  const path =
    kind === "all" ? "/all/subscribe"
      : kind === "category" ? "/categories/" + encodeURIComponent(name) + "/subscribe"
        : "/streams/" + encodeURIComponent(name) + "/subscribe";
  // a tail shows what happens from now on: /all and categories start at their end, a stream
  // at its next version
  start(kind, path);
}

async function start(kind, path) {
  $("tail").replaceChildren();
  let query = "";
  try {
    if (kind === "stream") {
      const page = await fetchStreamVersion(path);
      query = "?from=" + (page + 1);
    } else {
      // after=end: the log's end now, as a concrete position, so that a reconnect before the
      // first event still starts there
      const end = await api(path.replace(/\/subscribe$/, "") + "?limit=1&after=end");
      query = "?after=" + encodeURIComponent(end.next);
    }
  } catch (e) {
    showError(e);
    return;
  }
  source = new FetchEventSource(path + query, {
    headers: authHeaders,
    onstatus: (s) => ($("tail-status").textContent = s),
    onmessage: (m) => {
      const e = JSON.parse(m.data);
      const item = el("li", { textContent: e.stream + " @" + e.version + " " + e.type + " " + JSON.stringify(e.data) });
      item.dataset.id = e.id;
      item.dataset.stream = e.stream;
      item.dataset.version = e.version;
      $("tail").append(item);
      item.scrollIntoView({ block: "nearest" });
    },
  });
}

async function fetchStreamVersion(path) {
  const stream = path.replace(/^\/streams\//, "").replace(/\/subscribe$/, "");
  const response = await fetch("/streams/" + stream + "?limit=1&direction=backward", { headers: authHeaders() });
  if (response.status === 404) return 0;
  if (!response.ok) throw new Error(response.status + " reading " + decodeURIComponent(stream));
  return (await response.json()).version;
}

// ---- wiring -----------------------------------------------------------------------------------

function route() {
  const m = location.hash.match(/^#stream=(.+)$/);
  if (m) showStream(decodeURIComponent(m[1]), 1);
}

$("token").value = sessionStorage.getItem(TOKEN) || "";
$("token-form").onsubmit = (ev) => {
  ev.preventDefault();
  const token = $("token").value.trim();
  if (token) sessionStorage.setItem(TOKEN, token);
  else sessionStorage.removeItem(TOKEN);
  loadStreams(false);
};
$("search").oninput = renderStreams;
$("search-form").onsubmit = (ev) => ev.preventDefault();
$("more-streams").onclick = () => loadStreams(true);
$("append-form").onsubmit = append;
$("tail-form").onsubmit = (ev) => {
  ev.preventDefault();
  tail($("tail-kind").value, $("tail-name").value.trim());
};
$("tail-stop").onclick = () => source && source.close();
$("stream-first").onclick = () => showStream(view.stream, 1);
$("stream-prev").onclick = () => showStream(view.stream, view.from - PAGE);
$("stream-next").onclick = () => showStream(view.stream, view.from + PAGE);
$("stream-surface").onclick = showSurface;
$("stream-valid").onchange = () => showStream(view.stream, view.from);
$("invalidate-form").onsubmit = invalidate;
window.onhashchange = route;
loadStreams(false);
route();
