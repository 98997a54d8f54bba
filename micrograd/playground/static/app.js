// micrograd playground: the page. It only draws what the server sends and sends what the user does, as JSON.
"use strict";

const COLORS = ["#ef6c00", "#1565c0", "#2e7d32", "#6a1b9a"];
const RGB = [[239, 108, 0], [21, 101, 192], [46, 125, 50], [106, 27, 154]];
const $ = (id) => document.getElementById(id);
const FIELDS = ["dataset", "samples", "noise", "classes", "test_fraction", "seed", "activation", "loss", "optimizer", "lr", "l2", "l1", "batch_size"];
const NUMERIC = new Set(["samples", "noise", "classes", "test_fraction", "seed", "lr", "l2", "l1", "batch_size"]);

const state = { choices: null, data: null, config: null, frame: null, graph: null, curves: [], tests: [], selectedNode: null,
  walk: null, points: [], fdPending: null, restoring: false,
  view: { showTest: true, discretize: false } }; // view options: the page's own, kept in the address too
let ws;

// ------------------------------------------------------------------------------------------ connection
function connect() {
  ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
  ws.onopen = () => {
    const shared = readHash();
    if (shared && shared.view) setView(shared.view);
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
  keepInAddress();
}
function keepInAddress() {
  if (!state.config) return;
  const json = JSON.stringify({ config: state.config, points: state.points, view: state.view });
  history.replaceState(null, "", "#state=" + btoa(unescape(encodeURIComponent(json)))); // UTF-8, as btoa takes bytes
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
  $("metrics").textContent = regression() // real-number targets: no accuracy, the loss says it all
    ? `train loss ${fmt(f.train[0])}   test loss ${fmt(f.test[0])}`
    : `train loss ${fmt(f.train[0])}  accuracy ${pct(f.train[1])}   test loss ${fmt(f.test[0])}  accuracy ${pct(f.test[1])}`;
  $("metrics").dataset.trainAccuracy = f.train[1];
  $("metrics").dataset.trainLoss = f.train[0];
  describeCanvases();
  drawBoundary(); drawCurves(); drawNetwork(); // after: the network's text alternative names its inputs
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
  const box = $("features"); box.innerHTML = "";
  for (const [name, title] of m.features) {
    const b = document.createElement("button");
    b.type = "button"; b.textContent = title; b.dataset.feature = name; b.setAttribute("aria-pressed", "false");
    b.title = `give the network ${title} of each point (a new run)`;
    b.onclick = () => toggleFeature(name);
    box.append(b);
  }
  showOptions();
}
// Input features, as TensorFlow Playground's: each button gives the network one more input; a change starts a new run.
function chosenFeatures() {
  return [...$("features").querySelectorAll("button")].filter((b) => b.getAttribute("aria-pressed") === "true").map((b) => b.dataset.feature);
}
function toggleFeature(name) {
  const b = $("features").querySelector(`[data-feature="${CSS.escape(name)}"]`), on = b.getAttribute("aria-pressed") === "true";
  if (on && chosenFeatures().length === 1) { status("the network needs at least one input feature", true); return; }
  b.setAttribute("aria-pressed", on ? "false" : "true");
  status(""); send({ type: "config", config: readConfig() });
}
// +/- for hidden layers and neurons, as TensorFlow Playground's: each change starts a new run.
function changeHidden(hidden) {
  $("hidden").value = hidden.join(",");
  status(""); send({ type: "config", config: readConfig() });
}
function showLayerButtons() {
  if (!state.config || !state.choices) return;
  const [maxLayers, maxNeurons] = state.choices.layers, hidden = state.config.hidden;
  $("layer-count").textContent = `${hidden.length} hidden layer${hidden.length === 1 ? "" : "s"}`;
  $("layer-minus").disabled = hidden.length === 0; $("layer-plus").disabled = hidden.length >= maxLayers;
  const row = $("neuron-buttons");
  if (row.childElementCount !== hidden.length) {
    row.innerHTML = "";
    hidden.forEach((_, l) => {
      const group = document.createElement("span"); group.className = "neurons"; group.dataset.layer = l;
      group.innerHTML = `<button type="button" class="minus" aria-label="one neuron fewer in hidden layer ${l + 1}">−</button>` +
        `<span class="count"></span><button type="button" class="plus" aria-label="one more neuron in hidden layer ${l + 1}">+</button>`;
      group.querySelector(".minus").onclick = () => changeHidden(state.config.hidden.map((n, i) => (i === l ? n - 1 : n)));
      group.querySelector(".plus").onclick = () => changeHidden(state.config.hidden.map((n, i) => (i === l ? n + 1 : n)));
      row.append(group);
    });
  }
  [...row.children].forEach((group, l) => {
    group.querySelector(".count").textContent = hidden[l];
    group.querySelector(".minus").disabled = hidden[l] <= 1; group.querySelector(".plus").disabled = hidden[l] >= maxNeurons;
  });
  placeNeuronButtons();
}
// Each layer's neuron buttons sit above its column of the network picture.
function placeNeuronButtons() {
  if (!state.network) return;
  const c = $("network"), scale = c.clientWidth / c.width;
  [...$("neuron-buttons").children].forEach((group, l) => {
    const column = state.network.pos[l + 1];
    if (column) group.style.left = `${column[0][0] * scale - group.offsetWidth / 2}px`;
  });
}
$("layer-minus").onclick = () => changeHidden(state.config.hidden.slice(0, -1));
$("layer-plus").onclick = () => {
  const h = state.config.hidden;
  changeHidden([...h, h.length ? h[h.length - 1] : 4]);
};
// The view options (client side only): test points shown or not, the output shaded or in two (or k) flat colours.
function setView(view) {
  state.view = { showTest: view.showTest !== false, discretize: view.discretize === true };
  $("show-test").checked = state.view.showTest; $("discretize").checked = state.view.discretize;
}
$("show-test").onchange = () => { state.view.showTest = $("show-test").checked; keepInAddress(); drawBoundary(); };
$("discretize").onchange = () => { state.view.discretize = $("discretize").checked; keepInAddress(); drawBoundary(); };
// The options the chosen data set does not use are greyed out (the server ignores them).
function showOptions() {
  if (!state.choices) return;
  const used = state.choices.options[$("dataset").value] || [];
  for (const key of ["samples", "noise", "classes"]) $(key).disabled = !used.includes(key);
  // A regression data set (real-number targets) takes a regression loss, a classification one the others: the
  // losses that do not fit are greyed out, and a data set of the other kind brings the first loss that fits.
  const reg = state.choices.regression, real = reg.dataset.includes($("dataset").value);
  for (const opt of $("loss").options) opt.disabled = reg.loss.includes(opt.value) !== real;
  if ($("loss").selectedOptions[0] && $("loss").selectedOptions[0].disabled) {
    $("loss").value = [...$("loss").options].find((o) => !o.disabled).value;
  }
}
// Whether the data held has real-number targets (a regression data set) rather than classes.
function regression() { return Boolean(state.data) && state.data.classes === 0; }
// TensorFlow Playground's diverging scale for a real number: orange below 0, white at 0, blue above, full at ±1.
function diverging(v) {
  const t = Math.max(-1, Math.min(1, v)), [R, G, B] = t >= 0 ? RGB[1] : RGB[0], a = Math.abs(t);
  return [Math.round(255 + (R - 255) * a), Math.round(255 + (G - 255) * a), Math.round(255 + (B - 255) * a)];
}
function pointColor(target) {
  if (!regression()) return COLORS[target];
  const [r, g, b] = diverging(target);
  return `rgb(${r},${g},${b})`;
}
function readConfig() {
  const c = {};
  for (const k of FIELDS) c[k] = NUMERIC.has(k) ? Number($(k).value) : $(k).value;
  c.hidden = $("hidden").value.split(",").map((s) => s.trim()).filter((s) => s).map(Number);
  c.features = chosenFeatures();
  return c;
}
function showConfig(c) {
  for (const k of FIELDS) $(k).value = c[k];
  showOptions();
  $("hidden").value = c.hidden.join(",");
  for (const b of $("features").querySelectorAll("button")) b.setAttribute("aria-pressed", String(c.features.includes(b.dataset.feature)));
  showLayerButtons();
  const sel = $("click-class"); sel.innerHTML = "";
  if (regression()) for (const t of ["1", "0.5", "0", "-0.5", "-1"]) sel.add(new Option(`target ${t}`, t));
  else for (let k = 0; k < state.data.classes; k++) sel.add(new Option(String(k), String(k)));
  $("click-what").textContent = regression() ? "a click adds a point of" : "a click adds class";
  $("curves-title").textContent = regression() ? "loss (no accuracy: the targets are numbers)" : "loss and accuracy";
  $("boundary-title").textContent = regression() ? "the network's output (blue above 0, orange below)" : "decision boundary";
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

function fullState() { return { config: state.config, points: state.points, view: state.view }; }
$("share").onclick = () => status("the address always holds this state: copy it to share");
function readHash() {
  const m = location.hash.match(/state=([A-Za-z0-9+/=]+)/);
  if (!m) return null;
  try { return JSON.parse(decodeURIComponent(escape(atob(m[1])))); } catch (e) { status("the state in the address is damaged", true); return null; }
}
$("export-state").onclick = () => download("micrograd-playground.json", fullState());
$("load-state").onclick = () => $("import-state").click();
$("load-model").onclick = () => $("import-model").click();
$("import-state").onchange = (e) => readFile(e, (s) => { if (s.view) setView(s.view); send({ type: "config", config: s.config, points: s.points || [] }); });
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
      if (regression()) { // the output itself, on the diverging scale (discretized: its sign)
        img.data.set([...diverging(state.view.discretize ? Math.sign(v) * 0.6 : v), 200], 4 * i);
        continue;
      }
      let rgb, strength;
      if (state.data.classes > 2) { const k = Math.floor(v); rgb = RGB[k]; strength = (v - k) * 2; }
      else { rgb = v > 0.5 ? RGB[1] : RGB[0]; strength = Math.abs(v - 0.5) * 2; }
      if (state.view.discretize) strength = 1; // one flat colour per predicted class
      const a = 40 + 120 * strength;
      img.data.set([rgb[0], rgb[1], rgb[2], a], 4 * i);
    }
    const tmp = document.createElement("canvas"); tmp.width = n; tmp.height = n;
    tmp.getContext("2d").putImageData(img, 0, 0);
    g.imageSmoothingEnabled = !state.view.discretize; g.drawImage(tmp, 0, 0, c.width, c.height); // discretized: crisp
  }
  const dot = (p, filled) => {
    const [px, py] = toCanvas(p[0], p[1], c);
    g.beginPath(); g.arc(px, py, 4, 0, 2 * Math.PI);
    g.fillStyle = filled ? pointColor(p[2]) : "#fff"; g.strokeStyle = filled ? (regression() ? "#333" : "#fff") : pointColor(p[2]);
    g.lineWidth = filled ? 1 : 2; g.fill(); g.stroke();
    if (!filled && regression()) { g.beginPath(); g.arc(px, py, 5.5, 0, 2 * Math.PI); g.strokeStyle = "#333"; g.lineWidth = 0.8; g.stroke(); }
  };
  if (state.view.showTest) state.data.test.forEach((p) => dot(p, false));
  state.data.train.forEach((p) => dot(p, true));
  const sel = state.graph && state.data[state.graph.set || "train"][state.graph.example];
  if (sel) { const [px, py] = toCanvas(sel[0], sel[1], c); g.beginPath(); g.arc(px, py, 8, 0, 2 * Math.PI); g.strokeStyle = "#d81b60"; g.lineWidth = 2.5; g.stroke(); }
}
$("boundary").onclick = (e) => {
  const c = $("boundary"), r = c.getBoundingClientRect();
  const px = ((e.clientX - r.left) / r.width) * c.width, py = ((e.clientY - r.top) / r.height) * c.height;
  let best = null, bestD = 64; // a click within 8 px of a point, train or test, selects the nearest
  for (const set of state.view.showTest ? ["train", "test"] : ["train"]) state.data[set].forEach((p, i) => {
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
  const measured = (pts) => pts.filter((p) => p[2] !== null && p[2] !== undefined); // no accuracy for regression
  line(measured(train), COLORS[1], [4, 3], 1, 2); line(measured(state.tests), COLORS[0], [4, 3], 1, 2);
  const what = regression() ? `loss (max ${fmt(maxLoss)})` : `loss (solid, max ${fmt(maxLoss)})  accuracy (dashed, 0–100%)`;
  g.fillStyle = "#555"; g.fillText(what, pad, 14); g.fillText(`step ${last}`, c.width - pad - 50, c.height - 8);
}

// --------------------------------------------------------------------------------------- network
// Each neuron is drawn as a thumbnail of its output over the plane, signed as the links are: blue where it is
// positive, orange where negative, white at 0 (scaled by the neuron's largest |output|). Hovering a neuron
// enlarges its thumbnail, named as the graph names its weights (L1 N3: layer 1, neuron 3, from 0).
function drawNetwork() {
  const c = $("network"), g = c.getContext("2d"), net = state.frame.network;
  g.clearRect(0, 0, c.width, c.height);
  const sizes = [net.inputs.length, ...net.biases.map((b) => b.length)];
  const T = Math.max(12, Math.min(36, Math.floor(c.height / (Math.max(...sizes) + 1)) - 3));
  const pos = sizes.map((n, l) => Array.from({ length: n }, (_, i) => [T / 2 + 8 + (l * (c.width - T - 30)) / (sizes.length - 1), ((i + 1) * c.height) / (n + 1)]));
  const links = []; // each link's ends, and the weight it draws (named as the graph names it: see weightName)
  state.network = { pos, T, links };
  net.weights.forEach((w, l) => w.forEach((row, i) => row.forEach((v, j) => {
    const [ax, ay] = pos[l][i], [bx, by] = pos[l + 1][j];
    links.push({ layer: l + 1, neuron: j, input: i, a: [ax + T / 2, ay], b: [bx - T / 2, by] }); // null ones too: editable
    if (v === null) return; // not a finite number: no link drawn
    g.beginPath(); g.moveTo(ax + T / 2, ay); g.lineTo(bx - T / 2, by);
    g.strokeStyle = v >= 0 ? "rgba(21,101,192,0.7)" : "rgba(239,108,0,0.7)"; g.lineWidth = Math.min(5, 0.3 + Math.abs(v) * 1.5); g.stroke();
  })));
  pos.forEach((layer, l) => layer.forEach(([x, y], i) => {
    drawThumb(g, thumbOf(l, i), x - T / 2, y - T / 2, T);
    if (l === 0) { // an input: its feature's name, as TensorFlow Playground labels them
      const name = featureTitle(i), wide = g.measureText(name).width + 4;
      g.fillStyle = "rgba(255,255,255,0.85)"; g.fillRect(x - T / 2, y - T / 2, Math.min(wide, T + 30), 12);
      g.fillStyle = "#222"; g.fillText(name, x - T / 2 + 2, y - T / 2 + 10);
    }
  }));
  fillWeightPick(sizes);
  const edit = state.weightEdit;
  if (edit && weightValue(edit) !== undefined) { // the weight being edited: its link (or for a bias, its neuron) outlined
    g.strokeStyle = "#d81b60"; g.lineWidth = 2.5; g.setLineDash([4, 2]);
    if (edit.input === "bias") { const [x, y] = pos[edit.layer][edit.neuron]; g.strokeRect(x - T / 2 - 2, y - T / 2 - 2, T + 4, T + 4); }
    else { const k = links.find((k) => k.layer === edit.layer && k.neuron === edit.neuron && k.input === edit.input);
      g.beginPath(); g.moveTo(...k.a); g.lineTo(...k.b); g.stroke(); }
    g.setLineDash([]);
  }
  showWeightName();
  const h = state.hover;
  if (h && pos[h.layer] && pos[h.layer][h.neuron]) {
    const [x, y] = pos[h.layer][h.neuron], big = Math.min(110, c.height - 20);
    const bx = Math.min(Math.max(x - big / 2, 0), c.width - big), by = Math.min(Math.max(y - big / 2, 14), c.height - big);
    drawThumb(g, thumbOf(h.layer, h.neuron), bx, by, big);
    const label = h.layer === 0 ? `input ${featureTitle(h.neuron)}` : h.layer === sizes.length - 1 ? `output ${h.neuron}` : `L${h.layer} N${h.neuron}`;
    g.fillStyle = "#fff"; g.fillRect(bx, by - 13, 70, 13); g.fillStyle = "#222"; g.fillText(label, bx + 2, by - 3);
    c.dataset.hover = label;
  } else delete c.dataset.hover;
  showLayerButtons();
  c.setAttribute("aria-label", `network of layer sizes ${sizes.join("-")} (inputs ${sizes[0] ? [...Array(sizes[0]).keys()].map(featureTitle).join(", ") : ""}), ` +
    `${state.config ? state.config.activation : ""} hidden layers; each neuron drawn as its output over the plane, links blue for positive and orange for negative weights; click a link (or a neuron, for its bias), or choose one in ` +
    `"edit a weight", to set its value`);
}
// Layer 0 is the inputs (each feature over the plane), then each layer's neurons.
function thumbOf(layer, i) { const net = state.frame.network; return layer === 0 ? net.inputs[i] : net.thumbs[layer - 1][i]; }
function featureTitle(i) {
  const names = state.config ? state.config.features : ["x1", "x2"], titles = new Map(state.choices ? state.choices.features : []);
  return titles.get(names[i]) || names[i] || `x${i + 1}`;
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

// ------------------------------------------------------------------------------------ editing a weight
// As in TensorFlow Playground, a click on a link opens an editor for its weight (on a neuron, for its bias); the
// "edit a weight" menu reaches every one by keyboard. Enter sends the value (the server checks it and trains on from
// it), Escape cancels. A weight is named as the graph pane names it: w2[3][1] is the weight of layer 2's neuron 3 on
// its input 1 (layers of weights counted from 1, neurons and inputs from 0), b2[3] that neuron's bias.
function weightName(w) { return w.input === "bias" ? `b${w.layer}[${w.neuron}]` : `w${w.layer}[${w.neuron}][${w.input}]`; }
function weightKey(w) { return `${w.layer},${w.neuron},${w.input}`; }
function parseWeightKey(key) {
  const [l, j, i] = key.split(",");
  return { layer: Number(l), neuron: Number(j), input: i === "bias" ? "bias" : Number(i) };
}
// The weight's value in the last frame: null if it is not a finite number, undefined if the network has no such weight.
function weightValue(w) {
  const net = state.frame && state.frame.network, l = w.layer - 1;
  if (!net || !net.weights[l]) return undefined;
  return w.input === "bias" ? (net.biases[l] || [])[w.neuron] : (net.weights[l][w.input] || [])[w.neuron];
}
// The menu lists every weight and bias, layer by layer; it is rebuilt only when the network's shape changes.
function fillWeightPick(sizes) {
  const pick = $("weight-pick"), shape = sizes.join("-");
  if (pick.dataset.sizes === shape) return;
  pick.dataset.sizes = shape; pick.innerHTML = ""; pick.add(new Option("edit a weight…", ""));
  for (let l = 1; l < sizes.length; l++) {
    const group = document.createElement("optgroup"); group.label = `layer ${l}`;
    for (let j = 0; j < sizes[l]; j++) for (const i of [...Array(sizes[l - 1]).keys(), "bias"]) {
      const w = { layer: l, neuron: j, input: i };
      group.append(new Option(weightName(w), weightKey(w)));
    }
    pick.append(group);
  }
  if (state.weightEdit) pick.value = weightKey(state.weightEdit);
}
function openWeightEditor(w, focus = true) {
  state.weightEdit = w;
  const v = weightValue(w);
  $("weight-editor").hidden = false; $("weight-pick").value = weightKey(w);
  $("weight-value").value = v === null || v === undefined ? "" : String(v);
  drawNetwork(); // outlines the link, names the weight
  if (focus) { $("weight-value").focus(); $("weight-value").select(); }
}
function closeWeightEditor() {
  state.weightEdit = null; $("weight-editor").hidden = true; $("weight-pick").value = "";
  if (state.frame) drawNetwork();
}
// The editor's label: the weight's name and its value now (it follows training; the number typed is left alone).
function showWeightName() {
  const w = state.weightEdit; if (!w) return;
  const v = weightValue(w);
  if (v === undefined) { closeWeightEditor(); return; } // the network has another shape now
  $("weight-name").textContent = `${weightName(w)} = ${fmt(v)}`;
}
function applyWeight() {
  const w = state.weightEdit, text = $("weight-value").value.trim(), v = Number(text);
  if (!w) return;
  if (text === "" || !Number.isFinite(v) || Math.abs(v) > 100) { status("a weight must be a number from -100 to 100", true); return; }
  send({ type: "set_weight", layer: w.layer, neuron: w.neuron, input: w.input, value: v });
  if ($("status").className !== "error") status(`${weightName(w)} set to ${v}`);
  closeWeightEditor(); $("weight-pick").focus();
}
// What a pointer event on the network picture points at: a neuron (its bias), else the nearest link within 5 px.
function weightAt(e) {
  if (!state.network || !state.frame) return null;
  const c = $("network"), r = c.getBoundingClientRect(), sx = c.width / r.width;
  const px = (e.clientX - r.left) * sx, py = (e.clientY - r.top) * (c.height / r.height), { pos, T, links } = state.network;
  for (let l = 1; l < pos.length; l++) for (let j = 0; j < pos[l].length; j++) {
    if (Math.abs(px - pos[l][j][0]) <= T / 2 && Math.abs(py - pos[l][j][1]) <= T / 2) return { layer: l, neuron: j, input: "bias" };
  }
  let best = null, bestD = 5 * sx;
  for (const k of links) {
    const d = segmentDistance(px, py, k.a, k.b);
    if (d < bestD) { bestD = d; best = { layer: k.layer, neuron: k.neuron, input: k.input }; }
  }
  return best;
}
function segmentDistance(px, py, [ax, ay], [bx, by]) {
  const dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
  const t = len2 ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2)) : 0;
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}
$("network").onclick = (e) => { const w = weightAt(e); if (w) openWeightEditor(w); };
$("network").addEventListener("mousemove", (e) => { $("network").style.cursor = weightAt(e) ? "pointer" : ""; });
$("weight-pick").onchange = () => {
  const key = $("weight-pick").value;
  if (key) openWeightEditor(parseWeightKey(key), false); else closeWeightEditor();
};
$("weight-pick").onkeydown = (e) => {
  if (e.key === "Enter" && state.weightEdit) { e.preventDefault(); $("weight-value").focus(); $("weight-value").select(); }
  else if (e.key === "Escape" && state.weightEdit) { e.preventDefault(); closeWeightEditor(); }
};
$("weight-value").onkeydown = (e) => {
  if (e.key === "Enter") { e.preventDefault(); applyWeight(); }
  else if (e.key === "Escape") { e.preventDefault(); closeWeightEditor(); $("weight-pick").focus(); }
};

// ------------------------------------------------------------------------------ computation graph
// In graph.js: setGraph, showFd, fdUnavailable (the graph pane, a node's explanation, stepping through backward).

// ------------------------------------------------------------------------------------- text alternatives
// Each canvas says in words what it shows (screen readers read aria-label).
function describeCanvases() {
  const d = state.data, f = state.frame; if (!d || !f) return;
  const pct = (v) => (v === null ? "unknown" : `${Math.round(100 * v)}%`);
  const what = regression() ? `the network's output over the plane (blue above 0, orange below)` : `decision boundary of ${d.classes} classes`;
  const acc = regression() ? "" : `; training accuracy ${pct(f.train[1])}, test accuracy ${pct(f.test[1])}`;
  $("boundary").setAttribute("aria-label", `${what}: ${d.train.length} training points (filled), ${d.test.length} test points (hollow)${acc}`);
  $("curves").setAttribute("aria-label", `loss${regression() ? "" : " and accuracy"} over ${f.step} steps: training loss now ${fmt(f.train[0])}, test loss ${fmt(f.test[0])}`);
  // the network's own text alternative is written by drawNetwork, which knows its inputs
}


connect();
