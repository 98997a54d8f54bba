// micrograd playground: the page. It only draws what the server sends and sends what the user does, as JSON.
"use strict";

const COLORS = ["#ef6c00", "#1565c0", "#2e7d32", "#6a1b9a"];
const RGB = [[239, 108, 0], [21, 101, 192], [46, 125, 50], [106, 27, 154]];
const $ = (id) => document.getElementById(id);
const FIELDS = ["dataset", "samples", "noise", "classes", "test_fraction", "seed", "activation", "loss", "optimizer", "lr", "l2", "batch_size"];
const NUMERIC = new Set(["samples", "noise", "classes", "test_fraction", "seed", "lr", "l2", "batch_size"]);

const state = { choices: null, data: null, config: null, frame: null, graph: null, curves: [], tests: [], selectedNode: null,
  walk: null, points: [], fdPending: null, restoring: false };
let ws;

// ------------------------------------------------------------------------------------------ connection
function connect() {
  ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
  ws.onopen = () => {
    const shared = readHash();
    if (shared) { state.restoring = true; send({ type: "config", config: shared.config, points: shared.points || [] }); }
  };
  ws.onmessage = (event) => receive(JSON.parse(event.data));
  ws.onclose = () => status("disconnected from the server", true);
}
function send(message) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(message)); }
function status(text, error = false) { const s = $("status"); s.textContent = text || ""; s.className = error ? "error" : ""; }

function receive(m) {
  if (m.type === "choices") setChoices(m);
  else if (m.type === "data") {
    state.data = m; state.curves = []; state.tests = [];
    held(m.config, m.points); drawBoundary();
  } else if (m.type === "settings") held(m.config, m.points);
  else if (m.type === "frame") onFrame(m);
  else if (m.type === "graph") setGraph(m.graph);
  else if (m.type === "fd") showFd(m);
  else if (m.type === "model") download("micrograd-model.json", m.model);
  else if (m.type === "ack") showPlaying(m.playing);
  else if (m.type === "error") {
    status(m.message, true);
    if (state.config) showConfig(state.config); // the form shows what the server holds, never what it refused
    if (state.frame) showPlaying(state.frame.playing);
    if (state.fdPending !== null) fdUnavailable(m.message);
    state.restoring = false;
  }
}
// The config and points the server now holds: shown in the form, and kept in the address (a reload restores them).
function held(config, points) {
  state.config = config; state.points = points;
  showConfig(config);
  if (state.restoring) { state.restoring = false; return; } // the first data is the defaults: the address's state follows
  history.replaceState(null, "", "#state=" + btoa(JSON.stringify({ config, points })));
}
function showPlaying(playing) {
  if (state.frame) state.frame.playing = playing;
  $("play").textContent = playing ? "❚❚ pause" : "▶ play";
}
// A number as the page shows it: 4 decimals, or 3 significant digits with an exponent when large or tiny.
function fmt(v) {
  if (typeof v === "string") return v;
  if (v === null || v === undefined) return "–";
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : v.toFixed(4);
}

function onFrame(f) {
  state.frame = f;
  for (const [step, loss, acc] of f.history) state.curves.push([step, loss, acc]);
  if (f.test[0] !== null) state.tests.push([f.step, f.test[0], f.test[1]]);
  $("counter").textContent = `step ${f.step}`;
  showPlaying(f.playing);
  if (f.error) status(f.error, true);
  else if ($("status").className === "error" && state.diverged) status("");
  state.diverged = Boolean(f.error);
  const pct = (v) => (v === null || v === undefined ? "–" : `${(100 * v).toFixed(1)}%`);
  $("metrics").textContent = `train loss ${fmt(f.train[0])}  accuracy ${pct(f.train[1])}   test loss ${fmt(f.test[0])}  accuracy ${pct(f.test[1])}`;
  $("metrics").dataset.trainAccuracy = f.train[1];
  $("metrics").dataset.trainLoss = f.train[0];
  drawBoundary(); drawCurves(); drawNetwork();
  describeCanvases();
  if (f.graph && !state.walk) setGraph(f.graph);
}

// ---------------------------------------------------------------------------------------- controls
// The menus and the bounds of the numbers come from the server (its tables), in the first message.
function setChoices(m) {
  state.choices = m;
  for (const [key, options] of Object.entries(m.choices)) {
    const sel = $(key); sel.innerHTML = "";
    for (const [value, title] of options) sel.add(new Option(title, value));
  }
  for (const [key, [lo, hi]] of Object.entries(m.numbers)) { $(key).min = lo; $(key).max = hi; }
  showOptions();
}
// The options the chosen data set does not use are greyed out (the server ignores them).
function showOptions() {
  if (!state.choices) return;
  const used = state.choices.options[$("dataset").value] || [];
  for (const key of ["samples", "noise", "classes"]) $(key).disabled = !used.includes(key);
}
function readConfig() {
  const c = {};
  for (const k of FIELDS) c[k] = NUMERIC.has(k) ? Number($(k).value) : $(k).value;
  c.hidden = $("hidden").value.split(",").map((s) => s.trim()).filter((s) => s).map(Number);
  return c;
}
function showConfig(c) {
  for (const k of FIELDS) $(k).value = c[k];
  showOptions();
  $("hidden").value = c.hidden.join(",");
  const sel = $("click-class"); sel.innerHTML = "";
  for (let k = 0; k < state.data.classes; k++) sel.add(new Option(String(k), String(k)));
}
// Every setting applies as soon as it changes: the learning rate, L2, optimizer, batch size and activation to the
// running model; the data and the network's shape start a new run (the server decides, and answers with its config).
for (const key of [...FIELDS, "hidden"]) $(key).addEventListener("change", () => {
  if (key === "dataset") showOptions();
  if (!$("status").textContent.startsWith("training stopped")) status("");
  send({ type: "config", config: readConfig() });
});
$("play").onclick = () => send({ type: state.frame && state.frame.playing ? "pause" : "play" });
$("step").onclick = () => send({ type: "step" });
$("reset").onclick = () => { status(""); send({ type: "reset" }); };
$("speed").oninput = () => { $("speed-value").textContent = $("speed").value; send({ type: "speed", steps_per_second: Number($("speed").value) }); };

function fullState() { return { config: state.config, points: state.points }; }
$("share").onclick = () => status("the address always holds this state: copy it to share");
function readHash() {
  const m = location.hash.match(/state=([A-Za-z0-9+/=]+)/);
  if (!m) return null;
  try { return JSON.parse(atob(m[1])); } catch (e) { status("the state in the address is damaged", true); return null; }
}
$("export-state").onclick = () => download("micrograd-playground.json", fullState());
$("load-state").onclick = () => $("import-state").click();
$("load-model").onclick = () => $("import-model").click();
$("import-state").onchange = (e) => readFile(e, (s) => send({ type: "config", config: s.config, points: s.points || [] }));
$("export-model").onclick = () => send({ type: "export_model" });
$("import-model").onchange = (e) => readFile(e, (m) => send({ type: "import_model", model: m }));
function download(name, obj) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([JSON.stringify(obj, null, 1)], { type: "application/json" }));
  a.download = name; a.click();
}
function readFile(event, then) {
  const file = event.target.files[0]; if (!file) return;
  file.text().then((t) => { try { then(JSON.parse(t)); } catch (e) { status(`${file.name} is not JSON`, true); } });
  event.target.value = "";
}

// ------------------------------------------------------------------------------------ boundary plot
function toCanvas(x, y, c) {
  const [x0, x1, y0, y1] = state.data.bounds;
  return [((x - x0) / (x1 - x0)) * c.width, ((y1 - y) / (y1 - y0)) * c.height];
}
function drawBoundary() {
  const c = $("boundary"), g = c.getContext("2d");
  if (!state.data) return;
  g.clearRect(0, 0, c.width, c.height);
  const f = state.frame;
  if (f) {
    const n = f.grid, img = g.createImageData(n, n);
    for (let i = 0; i < n * n; i++) {
      const v = f.boundary[i];
      if (v === null) continue; // overflowed (the network diverged): left blank
      let rgb, strength;
      if (state.data.classes > 2) { const k = Math.floor(v); rgb = RGB[k]; strength = (v - k) * 2; }
      else { rgb = v > 0.5 ? RGB[1] : RGB[0]; strength = Math.abs(v - 0.5) * 2; }
      const a = 40 + 120 * strength;
      img.data.set([rgb[0], rgb[1], rgb[2], a], 4 * i);
    }
    const tmp = document.createElement("canvas"); tmp.width = n; tmp.height = n;
    tmp.getContext("2d").putImageData(img, 0, 0);
    g.imageSmoothingEnabled = true; g.drawImage(tmp, 0, 0, c.width, c.height);
  }
  const dot = (p, filled) => {
    const [px, py] = toCanvas(p[0], p[1], c);
    g.beginPath(); g.arc(px, py, 4, 0, 2 * Math.PI);
    g.fillStyle = filled ? COLORS[p[2]] : "#fff"; g.strokeStyle = filled ? "#fff" : COLORS[p[2]];
    g.lineWidth = filled ? 1 : 2; g.fill(); g.stroke();
  };
  state.data.test.forEach((p) => dot(p, false));
  state.data.train.forEach((p) => dot(p, true));
  const sel = state.graph && state.data[state.graph.set || "train"][state.graph.example];
  if (sel) { const [px, py] = toCanvas(sel[0], sel[1], c); g.beginPath(); g.arc(px, py, 8, 0, 2 * Math.PI); g.strokeStyle = "#d81b60"; g.lineWidth = 2.5; g.stroke(); }
}
$("boundary").onclick = (e) => {
  const c = $("boundary"), r = c.getBoundingClientRect();
  const px = ((e.clientX - r.left) / r.width) * c.width, py = ((e.clientY - r.top) / r.height) * c.height;
  let best = null, bestD = 64; // a click within 8 px of a point, train or test, selects the nearest
  for (const set of ["train", "test"]) state.data[set].forEach((p, i) => {
    const [qx, qy] = toCanvas(p[0], p[1], c), d = (qx - px) ** 2 + (qy - py) ** 2;
    if (d < bestD) { bestD = d; best = { set, index: i }; }
  });
  if (best) { state.walk = null; send({ type: "select", ...best }); return; }
  const [x0, x1, y0, y1] = state.data.bounds;
  const x = x0 + (px / c.width) * (x1 - x0), y = y1 - (py / c.height) * (y1 - y0);
  send({ type: "add_point", point: [x, y, Number($("click-class").value)] });
};

// ---------------------------------------------------------------------------------------- curves
function drawCurves() {
  const c = $("curves"), g = c.getContext("2d"), pad = 24;
  g.clearRect(0, 0, c.width, c.height);
  const train = state.curves.filter((p) => p[1] !== null);
  if (!train.length) return;
  const last = train[train.length - 1][0], maxLoss = Math.max(...train.map((p) => p[1]), ...state.tests.map((p) => p[1]), 1e-9);
  const X = (s) => pad + ((c.width - 2 * pad) * s) / Math.max(last, 1), Y = (v, top) => c.height - pad - (c.height - 2 * pad) * (v / top);
  const line = (pts, color, dash, top, idx) => {
    g.beginPath(); g.setLineDash(dash); g.strokeStyle = color; g.lineWidth = 1.5;
    pts.forEach((p, i) => (i ? g.lineTo(X(p[0]), Y(p[idx], top)) : g.moveTo(X(p[0]), Y(p[idx], top)))); g.stroke(); g.setLineDash([]);
  };
  g.strokeStyle = "#ccc"; g.strokeRect(pad, pad, c.width - 2 * pad, c.height - 2 * pad);
  line(train, COLORS[1], [], maxLoss, 1); line(state.tests, COLORS[0], [], maxLoss, 1);
  line(train, COLORS[1], [4, 3], 1, 2); line(state.tests, COLORS[0], [4, 3], 1, 2);
  g.fillStyle = "#555"; g.fillText(`loss (solid, max ${fmt(maxLoss)})  accuracy (dashed, 0–100%)`, pad, 14); g.fillText(`step ${last}`, c.width - pad - 50, c.height - 8);
}

// --------------------------------------------------------------------------------------- network
// Each neuron is drawn as a thumbnail of its output over the plane, signed as the links are: blue where it is
// positive, orange where negative, white at 0 (scaled by the neuron's largest |output|). Hovering a neuron
// enlarges its thumbnail, named as the graph names its weights (L1 N3: layer 1, neuron 3, from 0).
function drawNetwork() {
  const c = $("network"), g = c.getContext("2d"), net = state.frame.network;
  g.clearRect(0, 0, c.width, c.height);
  const sizes = [2, ...net.biases.map((b) => b.length)];
  const T = Math.max(12, Math.min(36, Math.floor(c.height / (Math.max(...sizes) + 1)) - 3));
  const pos = sizes.map((n, l) => Array.from({ length: n }, (_, i) => [T / 2 + 8 + (l * (c.width - T - 30)) / (sizes.length - 1), ((i + 1) * c.height) / (n + 1)]));
  state.network = { pos, T };
  net.weights.forEach((w, l) => w.forEach((row, i) => row.forEach((v, j) => {
    if (v === null) return; // not a finite number: no link drawn
    const [ax, ay] = pos[l][i], [bx, by] = pos[l + 1][j];
    g.beginPath(); g.moveTo(ax + T / 2, ay); g.lineTo(bx - T / 2, by);
    g.strokeStyle = v >= 0 ? "rgba(21,101,192,0.7)" : "rgba(239,108,0,0.7)"; g.lineWidth = Math.min(5, 0.3 + Math.abs(v) * 1.5); g.stroke();
  })));
  pos.forEach((layer, l) => layer.forEach(([x, y], i) => {
    if (l === 0) { g.fillStyle = "#eceff1"; g.fillRect(x - T / 2, y - T / 2, T, T); g.fillStyle = "#333"; g.fillText(`x${i + 1}`, x - 6, y + 4); return; }
    drawThumb(g, net.thumbs[l - 1][i], x - T / 2, y - T / 2, T);
  }));
  const h = state.hover;
  if (h && pos[h.layer] && pos[h.layer][h.neuron] && h.layer > 0) {
    const [x, y] = pos[h.layer][h.neuron], big = Math.min(110, c.height - 20);
    const bx = Math.min(Math.max(x - big / 2, 0), c.width - big), by = Math.min(Math.max(y - big / 2, 14), c.height - big);
    drawThumb(g, net.thumbs[h.layer - 1][h.neuron], bx, by, big);
    const label = h.layer === sizes.length - 1 ? `output ${h.neuron}` : `L${h.layer} N${h.neuron}`;
    g.fillStyle = "#fff"; g.fillRect(bx, by - 13, 70, 13); g.fillStyle = "#222"; g.fillText(label, bx + 2, by - 3);
    c.dataset.hover = label;
  } else delete c.dataset.hover;
}
function drawThumb(g, thumb, x0, y0, size) {
  const n = Math.round(Math.sqrt(thumb.length));
  const finite = thumb.filter((v) => v !== null);
  const top = finite.length ? Math.max(...finite.map(Math.abs)) || 1 : 1;
  for (let r = 0; r < n; r++) for (let q = 0; q < n; q++) {
    const v = thumb[r * n + q];
    if (v === null) continue; // overflowed: left blank
    const t = Math.min(1, Math.abs(v) / top), [R, G, B] = v >= 0 ? RGB[1] : RGB[0];
    g.fillStyle = `rgb(${255 + (R - 255) * t},${255 + (G - 255) * t},${255 + (B - 255) * t})`;
    g.fillRect(x0 + (q * size) / n, y0 + (r * size) / n, size / n + 0.5, size / n + 0.5);
  }
  g.strokeStyle = "#555"; g.lineWidth = 1; g.strokeRect(x0, y0, size, size);
}
$("network").onmousemove = (e) => {
  if (!state.network || !state.frame) return;
  const c = $("network"), r = c.getBoundingClientRect();
  const px = ((e.clientX - r.left) / r.width) * c.width, py = ((e.clientY - r.top) / r.height) * c.height;
  let hover = null;
  state.network.pos.forEach((layer, l) => layer.forEach(([x, y], i) => {
    if (Math.abs(px - x) <= state.network.T / 2 && Math.abs(py - y) <= state.network.T / 2) hover = { layer: l, neuron: i };
  }));
  if (JSON.stringify(hover) !== JSON.stringify(state.hover)) { state.hover = hover; drawNetwork(); }
};
$("network").onmouseleave = () => { state.hover = null; if (state.frame) drawNetwork(); };

// ------------------------------------------------------------------------------ computation graph
// In graph.js: setGraph, showFd, fdUnavailable (the graph pane, a node's explanation, stepping through backward).

// ------------------------------------------------------------------------------------- text alternatives
// Each canvas says in words what it shows (screen readers read aria-label).
function describeCanvases() {
  const d = state.data, f = state.frame; if (!d || !f) return;
  const pct = (v) => (v === null ? "unknown" : `${Math.round(100 * v)}%`);
  $("boundary").setAttribute("aria-label", `decision boundary of ${d.classes} classes: ${d.train.length} training points (filled), ` +
    `${d.test.length} test points (hollow); training accuracy ${pct(f.train[1])}, test accuracy ${pct(f.test[1])}`);
  $("curves").setAttribute("aria-label", `loss and accuracy over ${f.step} steps: training loss now ${fmt(f.train[0])}, test loss ${fmt(f.test[0])}`);
  const sizes = [2, ...f.network.biases.map((b) => b.length)];
  $("network").setAttribute("aria-label", `network of layer sizes ${sizes.join("-")}, ${state.config ? state.config.activation : ""} hidden layers; ` +
    "each neuron drawn as its output over the plane, links blue for positive and orange for negative weights");
}


connect();
