// The siftkit explorer: a WebGL map of every row, filters, a row inspector and edits.
// Bundled by esbuild into src/siftkit/web/static/app.js (npm run build); no CDN at run time.
import createREGL from "regl";

const PALETTE = [
  [0.306, 0.475, 0.655], [0.949, 0.557, 0.169], [0.882, 0.341, 0.349], [0.463, 0.718, 0.698],
  [0.349, 0.631, 0.31], [0.929, 0.788, 0.282], [0.69, 0.478, 0.631], [1, 0.616, 0.655],
  [0.612, 0.459, 0.373], [0.729, 0.69, 0.675],
];
const GREY = [0.55, 0.57, 0.62]; // the categories past the ten largest, rows without a label: visible on the light map
const $ = (id) => document.getElementById(id);

const state = { points: null, meta: null, edits: {}, selection: [], current: null,
  view: { x: 0, y: 0, zoom: 1 }, batches: [] }; // batches: this tab's edits, for its undo

async function api(path, body) {
  const response = await fetch(path, body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  const data = await response.json();
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

function option(select, value, text) {
  const element = document.createElement("option");
  element.value = value;
  element.textContent = text;
  select.appendChild(element);
}

function colourOf(i) {
  const by = $("colour-by").value;
  const p = state.points;
  if (by === "label" && p.label) return p.label[i] >= 0 ? PALETTE[p.label[i] % 10] : GREY;
  if (by === "split" && p.split) return p.split[i] >= 0 ? PALETTE[p.split[i] % 10] : GREY;
  if (by === "score") {
    const name = $("score-name").value || state.meta.scores[0];
    const raw = name ? p.scores[name][i] : 0;
    const s = name && name.endsWith("_confidence") ? 1 - raw : raw; // red: worth a look
    return [0.85 * s + 0.1, 0.3 * (1 - s) + 0.2, 0.6 * (1 - s) + 0.2];
  }
  const c = p.cluster ? p.cluster[i] : 0;
  return c >= 0 && c < 10 ? PALETTE[c] : GREY;
}

function filtered() {
  const p = state.points;
  const n = p.x.length;
  const issue = $("issue-filter").value;
  const cluster = $("cluster-filter").value;
  const label = $("label-filter").value;
  const split = $("split-filter").value;
  const scoreName = $("score-name").value;
  const scoreMin = parseFloat($("score-min").value) || 0;
  const scoreMax = $("score-max").value === "" ? 1 : parseFloat($("score-max").value);
  const hits = state.searchHits;
  const keep = [];
  for (let i = 0; i < n; i++) {
    if (issue && !p.flags[issue][i]) continue;
    if (cluster !== "" && p.cluster[i] !== +cluster) continue;
    if (label !== "" && p.label[i] !== +label) continue;
    if (split !== "" && p.split[i] !== +split) continue;
    if (scoreName && (p.scores[scoreName][i] < scoreMin || p.scores[scoreName][i] > scoreMax)) continue;
    if (hits && !hits.has(i)) continue;
    keep.push(i);
  }
  return keep;
}

let regl, drawPoints;

function setupMap() {
  const canvas = $("map");
  regl = createREGL({ canvas, attributes: { antialias: true } });
  drawPoints = regl({
    vert: `precision mediump float;
      attribute vec2 position; attribute vec3 colour; attribute float size;
      uniform vec3 view; uniform vec2 squash; varying vec3 v;
      void main() { v = colour; gl_PointSize = size;
        gl_Position = vec4((position - 0.5 - view.xy) * 1.9 * view.z * squash, 0, 1); }`,
    frag: `precision mediump float; varying vec3 v;
      void main() { vec2 c = gl_PointCoord - 0.5; if (dot(c, c) > 0.25) discard;
        gl_FragColor = vec4(v, 0.85); }`,
    attributes: { position: regl.prop("position"), colour: regl.prop("colour"),
      size: regl.prop("size") },
    uniforms: { view: regl.prop("view"), squash: regl.prop("squash") },
    count: regl.prop("count"),
    primitive: "points",
    blend: { enable: true, func: { src: "src alpha", dst: "one minus src alpha" } },
  });
  const resize = () => {
    canvas.width = canvas.clientWidth * devicePixelRatio;
    canvas.height = canvas.clientHeight * devicePixelRatio;
    render();
  };
  window.addEventListener("resize", resize);
  canvas.addEventListener("wheel", (event) => {
    event.preventDefault();
    state.view.zoom *= event.deltaY < 0 ? 1.2 : 1 / 1.2;
    render();
  }, { passive: false });
  let drag = null;
  canvas.addEventListener("mousedown", (e) => { drag = { x: e.clientX, y: e.clientY, moved: false }; });
  canvas.addEventListener("mousemove", (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 2) drag.moved = true;
    const [sx, sy] = squash();
    state.view.x -= dx / canvas.clientWidth / 0.95 / state.view.zoom / sx;
    state.view.y += dy / canvas.clientHeight / 0.95 / state.view.zoom / sy;
    drag.x = e.clientX; drag.y = e.clientY;
    render();
  });
  canvas.addEventListener("mouseup", (e) => {
    if (drag && !drag.moved) pick(e);
    drag = null;
  });
  resize();
}

// the map stays square: the longer side of the canvas is squashed to the shorter one
function squash() {
  const canvas = $("map");
  const aspect = canvas.clientWidth / Math.max(canvas.clientHeight, 1);
  return aspect > 1 ? [1 / aspect, 1] : [1, aspect];
}

function toScreen(i) {
  const canvas = $("map");
  const v = state.view;
  const [sx, sy] = squash();
  const x = (state.points.x[i] - 0.5 - v.x) * 0.95 * v.zoom * sx;
  const y = (state.points.y[i] - 0.5 - v.y) * 0.95 * v.zoom * sy;
  return [(x + 0.5) * canvas.clientWidth, (0.5 - y) * canvas.clientHeight];
}

function pick(event) {
  const rect = $("map").getBoundingClientRect();
  const mx = event.clientX - rect.left, my = event.clientY - rect.top;
  let best = -1, bestDistance = 64;
  for (const i of state.selection) {
    const [sx, sy] = toScreen(i);
    const d = (sx - mx) ** 2 + (sy - my) ** 2;
    if (d < bestDistance) { bestDistance = d; best = i; }
  }
  if (best >= 0) inspect(best);
}

// the rows outside the selection, drawn small and pale behind it, so a filter keeps its context
function context() {
  const p = state.points;
  if (state.selection.length === p.x.length) return null;
  const chosen = new Uint8Array(p.x.length);
  for (const i of state.selection) chosen[i] = 1;
  const position = [];
  for (let i = 0; i < p.x.length; i++) if (!chosen[i]) position.push(p.x[i], p.y[i]);
  const count = position.length / 2;
  return { position: new Float32Array(position), count,
    colour: new Float32Array(count * 3).fill(0.8), size: new Float32Array(count).fill(2.5 * devicePixelRatio) };
}

function render() {
  if (!regl || !state.points) return;
  const rows = state.selection;
  const position = new Float32Array(rows.length * 2);
  const colour = new Float32Array(rows.length * 3);
  const size = new Float32Array(rows.length);
  // a few rows picked out by a filter are drawn larger, to be found at a glance
  const few = rows.length < state.points.x.length && rows.length <= 500 ? 2 : 1;
  const base = few * Math.max(2, Math.min(6, 3 * Math.sqrt(state.view.zoom))) * devicePixelRatio;
  rows.forEach((i, k) => {
    position[2 * k] = state.points.x[i];
    position[2 * k + 1] = state.points.y[i];
    const c = colourOf(i);
    colour.set(c, 3 * k);
    size[k] = i === state.current ? base * 3 : base;
  });
  regl.poll();
  regl.clear({ color: [0.984, 0.988, 0.992, 1] });
  const behind = state.behind;
  if (behind && behind.count) {
    drawPoints({ ...behind, view: [state.view.x, state.view.y, state.view.zoom], squash: squash() });
  }
  if (rows.length) {
    drawPoints({ position, colour, size, count: rows.length,
      view: [state.view.x, state.view.y, state.view.zoom], squash: squash() });
  }
}

function refresh() {
  state.selection = filtered();
  state.behind = context(); // once per selection, not per frame while panning
  $("rows-count").textContent = `${state.selection.length.toLocaleString()} of ` +
    `${state.points.x.length.toLocaleString()} rows`;
  $("selection-size").textContent = state.selection.length.toLocaleString();
  const list = $("row-list");
  list.textContent = "";
  const listed = state.selection.slice(0, 50);
  for (const i of listed) {
    const item = document.createElement("li");
    item.dataset.index = i;
    const edit = state.edits[i];
    item.textContent = `#${i}` + (edit ? ` [${edit.action}${edit.label ? `: ${edit.label}` : ""}]` : "");
    item.addEventListener("click", () => inspect(i));
    list.appendChild(item);
  }
  render();
  describe(list, listed);
}

// each listed row's label and text (or a table's values), once the server sends them
async function describe(list, listed, tries = 3) {
  if (!listed.length) return;
  let briefs;
  try {
    briefs = await api(`/api/briefs?rows=${listed.join(",")}`);
  } catch (error) {
    if (tries > 1) setTimeout(() => describe(list, listed, tries - 1), 300);
    return;
  }
  const items = [...list.children];
  if (items.length !== listed.length || items.some((c, k) => +c.dataset.index !== listed[k])) {
    return; // listed anew meanwhile
  }
  for (const item of items) {
    const brief = briefs[item.dataset.index];
    if (brief !== undefined) item.textContent += `  ${brief}`;
  }
}

function table(fields) {
  const element = document.createElement("table");
  for (const [name, value] of Object.entries(fields)) {
    if (value === null || value === undefined) continue;
    const row = element.insertRow();
    const head = document.createElement("th");
    head.textContent = name;
    row.appendChild(head);
    row.insertCell().textContent = typeof value === "number" ? +value.toFixed(4) : String(value);
  }
  return element;
}

let inspecting = 0; // the latest row asked for: an earlier answer arriving late is dropped

async function inspect(index) {
  const ticket = ++inspecting;
  let row;
  try {
    row = await api(`/api/row/${index}`);
  } catch (error) {
    if (ticket === inspecting) $("status").textContent = `Row ${index}: ${error.message}`;
    return;
  }
  if (ticket !== inspecting) return;
  state.current = index; // the actions act on the row shown, never on one still loading
  const box = $("inspector");
  box.textContent = "";
  const title = document.createElement("h3");
  title.textContent = `Row ${row.fields.row_id}`;
  box.appendChild(title);
  for (const flag of row.flags) {
    const badge = document.createElement("span");
    badge.className = "flag";
    badge.textContent = flag.replace("is_", "").replace("_", " ");
    box.appendChild(badge);
  }
  if (row.edit) {
    const badge = document.createElement("span");
    badge.className = "flag edit";
    badge.id = "edit-state";
    badge.textContent = row.edit.action + (row.edit.label ? `: ${row.edit.label}` : "");
    box.appendChild(badge);
  }
  box.appendChild(table(row.fields));
  const heading = document.createElement("h3");
  heading.textContent = row.neighbours.length ? "Nearest neighbours"
    : "No neighbours: the row has nothing to compare (empty)";
  box.appendChild(heading);
  const list = document.createElement("ol");
  for (const n of row.neighbours) {
    const item = document.createElement("li");
    const label = n.label ?? n.predicted_label ?? "";
    item.textContent = `${n.similarity.toFixed(3)}  ${label}  ${(n.text ?? n.values ?? n.row_id) + ""}`;
    item.addEventListener("click", () => inspect(n.index));
    list.appendChild(item);
  }
  box.appendChild(list);
  render();
}

async function act(action) {
  const target = document.querySelector("input[name=target]:checked").value;
  const rows = target === "selection" ? state.selection : [state.current];
  if (!rows.length || rows[0] === null) { $("status").textContent = "Pick a row first."; return; }
  const body = { rows, action };
  if (action === "set_label") body.label = $("new-label").value;
  try {
    const result = await api("/api/edits", body);
    state.edits = result.edits;
    state.batches.push(result.batch);
    const labels = action === "set_label" || action === "accept_suggestion"
      ? `, ${result.changed} label(s) changed` : "";
    $("status").textContent = `${action.replace("_", " ")} on ${rows.length} row(s) saved${labels}.`;
    refresh();
    if (state.current !== null) inspect(state.current);
  } catch (error) {
    $("status").textContent = error.message;
  }
}

async function main() {
  const [meta, points, edits] = await Promise.all([
    api("/api/meta"), api("/api/points"), api("/api/edits")]);
  state.meta = meta;
  state.points = points;
  state.edits = edits.edits;
  $("source").textContent = meta.source || "";
  for (const flag of meta.flags) {
    option($("issue-filter"), flag, flag.replace("is_", "").replaceAll("_", " "));
  }
  for (const c of meta.categories) option($("cluster-filter"), c.id, `${c.id}: ${c.name} (${c.size})`);
  if (!meta.categories.length) {  // no categories found in this run
    $("cluster-filter").parentElement.hidden = true;
    $("colour-by").querySelector("option[value=cluster]").hidden = true;
    $("colour-by").value = points.label_names ? "label" : "score";
  }
  (points.label_names || []).forEach((name, code) => option($("label-filter"), code, name));
  // rows without a category (below --min-confidence, empty) or a label (abstained) can be picked
  if (points.cluster && points.cluster.includes(-1)) option($("cluster-filter"), -1, "none");
  if (points.label && points.label.includes(-1)) option($("label-filter"), -1, "none");
  // what a run has nothing for is not offered: no labels, no suggestions to accept
  if (!points.label_names) {
    $("label-filter").parentElement.hidden = true;
    $("colour-by").querySelector("option[value=label]").hidden = true;
  }
  if (points.split_names) {  // a split column: train and test rows told apart on the map
    points.split_names.forEach((name, code) => option($("split-filter"), code, name));
    if (points.split.includes(-1)) option($("split-filter"), -1, "none");
    $("split-filter").parentElement.hidden = false;
    $("colour-by").querySelector("option[value=split]").hidden = false;
  }
  if (!meta.has_suggestions) $("accept").hidden = true;
  if (meta.label_column === "predicted_label") {  // after `sift label`: every row has one
    $("label-name").textContent = "Predicted label";
    $("colour-by").querySelector("option[value=label]").textContent = "predicted label";
  }
  for (const s of meta.scores) option($("score-name"), s, s);
  for (const id of ["issue-filter", "cluster-filter", "label-filter", "split-filter", "score-name",
    "score-min", "score-max", "colour-by"]) $(id).addEventListener("change", refresh);
  let timer = null;
  $("search").addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = $("search").value.trim();
      state.searchHits = q ? new Set((await api(`/api/search?q=${encodeURIComponent(q)}`)).indices) : null;
      refresh();
    }, 250);
  });
  $("accept").addEventListener("click", () => act("accept_suggestion"));
  $("set-label").addEventListener("click", () => act("set_label"));
  $("new-label").addEventListener("keydown", (event) => {
    if (event.key === "Enter") act("set_label");
  });
  $("mark-fine").addEventListener("click", () => act("mark_fine"));
  $("drop").addEventListener("click", () => act("drop"));
  $("undo").addEventListener("click", async () => {
    if (!state.batches.length) { $("status").textContent = "Nothing of this tab's to undo."; return; }
    try {
      const result = await api("/api/undo", { batch: state.batches.pop() });
      state.edits = result.edits;
      $("status").textContent = `Undid this tab's latest edit (batch ${result.undone}).`;
    } catch (error) {
      $("status").textContent = error.message;
      return;
    }
    refresh();
    if (state.current !== null) inspect(state.current);
  });
  try {
    setupMap();
  } catch (error) { // no WebGL: everything but the map still works
    regl = null;
    $("map-box").textContent = "The map needs WebGL, which this browser does not offer; the " +
      "filters, the list, the inspector and the edits work without it.";
    $("map-box").className = "muted no-map";
  }
  refresh();
  setInterval(followEdits, EDITS_POLL_MS);
  document.body.dataset.ready = "true";
}

// another tab's (or explorer's) edits show here too: the log is read again every few seconds
const EDITS_POLL_MS = 4000;

async function followEdits() {
  let edits;
  try {
    edits = (await api("/api/edits")).edits;
  } catch (error) {
    return; // the server stopped: the next edit says so
  }
  if (JSON.stringify(edits) === JSON.stringify(state.edits)) return;
  state.edits = edits;
  refresh();
  if (state.current !== null) inspect(state.current);
}

main().catch((error) => { $("status").textContent = error.message; });
