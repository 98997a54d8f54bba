// micrograd playground: the computation graph pane. Draws one example's loss as the server sends it (explain.py),
// explains a node (chain rule and finite-difference check), and steps through backward one node at a time.
// Loaded before app.js; its functions use app.js's state, $, fmt and send when they run.
"use strict";

// Two views. "values": every Value its own box, left to right (the lecture's picture; the default for small
// networks, whose products and sums the server sends as their own nodes). "neurons": each neuron one box (its
// output's data and grad) in a column per layer, as in the network picture, and the loss one box; a box opens on
// click or Enter into its own Values. A walk through backward opens the neuron it is in.
const BOX = { W: 168, H: 30, GX: 56, GY: 8 }; // a Value's box; in the gap before an op's box, its op in an oval
const UNIT = { W: 96, H: 33, GX: 14, GY: 3, IN: 44, HEAD: 16 }; // a closed neuron's box; an input's is IN wide
const INNER = { W: 112, H: 40, GY: 4 }; // a Value's box inside an open neuron: name, data and grad on three lines
const graphView = { view: null, chosen: false, lecture: null, open: new Set(), walkOpen: null, focusKey: null, parts: null };
const byId = (id) => document.getElementById(id);

// ---------------------------------------------------------------------------------------- groups
// The parts of the graph, from each node's group: "input", "L1 N3" (layer 1, neuron 3 from 0, as the network
// picture names it), "output 0", "loss". Column: 0 for the inputs, the layer for a neuron, then the output, the loss.
function groupsOf(graph) {
  const groups = new Map();
  let hidden = 0;
  for (const n of graph.nodes) {
    const m = /^L(\d+) N(\d+)$/.exec(n.group);
    if (m) hidden = Math.max(hidden, Number(m[1]));
  }
  for (const n of graph.nodes) {
    const key = n.group;
    if (!groups.has(key)) {
      let col = null, row = 0, m;
      if (key === "input") col = 0;
      else if ((m = /^L(\d+) N(\d+)$/.exec(key))) { col = Number(m[1]); row = Number(m[2]); }
      else if ((m = /^output (\d+)$/.exec(key))) { col = hidden + 1; row = Number(m[1]); }
      else if (key === "loss") col = hidden + 2;
      groups.set(key, { name: key, col, row, members: [], out: n.id });
    }
    const g = groups.get(key);
    g.members.push(n.id); g.out = n.id; // topological order: a part's output comes after everything that made it
  }
  if (graph.root !== null && graph.nodes[graph.root]) groups.get(graph.nodes[graph.root].group).out = graph.root;
  return groups;
}
// Whether a part is drawn as one box (a neuron or the loss, not opened by the learner, the walk or a failure).
function isClosed(g) {
  if (graphView.view !== "neurons" || g.name === "input" || g.col === null) return false;
  return !(graphView.open.has(g.name) || graphView.walkOpen === g.name || g.members.includes(state.graph.bad));
}

// ---------------------------------------------------------------------------------------- layout
// Values in columns: an op one column right of its latest input, a leaf just left of its first user. Inside an open
// neuron (compact) a running sum stays in its column, one row per product: b + w0*x0, + w1*x1, ... top to bottom.
function layers(graph, ids, compact = false) {
  const inside = new Set(ids), consumers = {}, inputs = {}, col = {}, gap = compact ? UNIT.GX : BOX.GX;
  const [W, H, GY] = compact ? [INNER.W, INNER.H, INNER.GY] : [BOX.W, BOX.H, BOX.GY];
  for (const id of ids) { consumers[id] = []; inputs[id] = []; col[id] = 0; }
  for (const e of graph.edges) if (inside.has(e.from) && inside.has(e.to)) { consumers[e.from].push(e.to); inputs[e.to].push(e.from); }
  const chained = (i, id) => compact && graph.nodes[id].op === "+" && graph.nodes[i].op === "+";
  for (const id of ids) if (inputs[id].length) col[id] = Math.max(...inputs[id].map((i) => col[i] + (chained(i, id) ? 0 : 1)));
  for (const id of ids) if (!inputs[id].length && consumers[id].length) col[id] = Math.min(...consumers[id].map((j) => col[j])) - 1;
  const columns = {};
  for (const id of ids) (columns[col[id]] = columns[col[id]] || []).push(id);
  const minCol = Math.min(...Object.values(col)), at = {}, row = {};
  let height = 0;
  // Right to left, each Value in the row order of its first user, so that edges cross as little as they can.
  for (const k of Object.keys(columns).map(Number).sort((a, b) => b - a)) {
    const list = columns[k], key = (id) => (consumers[id].length && row[consumers[id][0]] !== undefined ? row[consumers[id][0]] : -1);
    list.sort((a, b) => key(a) - key(b) || a - b);
    list.forEach((id, r) => { row[id] = r; at[id] = [(k - minCol) * (W + gap), r * (H + GY)]; });
    height = Math.max(height, list.length * (H + GY) - GY);
  }
  return { at, width: (Math.max(...Object.values(col)) - minCol + 1) * (W + gap) - gap, height };
}

// Where everything is drawn: boxes for Values (at[id]), boxes for closed parts (units), frames for open parts; and
// items, everything in reading order (column by column, top to bottom), the order Tab follows.
function layout(graph) {
  const groups = graphView.parts, at = {}, units = [], items = [];
  if (graphView.view === "values") {
    const L = layers(graph, graph.nodes.map((n) => n.id));
    for (const [id, [x, y]] of Object.entries(L.at)) at[id] = [x + 6, y + 6];
    const order = graph.nodes.map((n) => n.id).sort((p, q) => at[p][0] - at[q][0] || at[p][1] - at[q][1]);
    return { at, units, items: order.map((id) => ({ kind: "value", id })), width: L.width + 12, height: L.height + 12 };
  }
  const columns = [];
  for (const g of groups.values()) (columns[g.col] = columns[g.col] || []).push(g);
  const placed = Array.from(columns, (list) => (list || []).sort((a, b) => a.row - b.row).map((g) => {
    if (g.name === "input") return g.members.map((id) => ({ kind: "value", id, w: UNIT.IN, h: BOX.H }));
    if (isClosed(g)) return [{ kind: "unit", g, w: UNIT.W, h: UNIT.H }];
    const inner = layers(graph, g.members, true);
    return [{ kind: "frame", g, inner, w: inner.width + 12, h: inner.height + UNIT.HEAD + 8 }];
  }).flat());
  const tallest = Math.max(...placed.map((c) => c.reduce((s, u) => s + u.h + UNIT.GY, 0)));
  let x = 6;
  for (const column of placed) {
    if (!column.length) continue;
    let y = 6 + (tallest - column.reduce((s, u) => s + u.h + UNIT.GY, 0)) / 2;
    for (const u of column) {
      u.x = x; u.y = y;
      items.push(u);
      if (u.kind === "value") at[u.id] = [x, y];
      else if (u.kind === "unit") units.push(u);
      else {
        for (const [id, [ix, iy]] of Object.entries(u.inner.at)) at[id] = [x + 6 + ix, y + UNIT.HEAD + 2 + iy];
        u.order = u.g.members.slice().sort((p, q) => at[p][0] - at[q][0] || at[p][1] - at[q][1]);
      }
      y += u.h + UNIT.GY;
    }
    x += Math.max(...column.map((u) => u.w)) + UNIT.GX;
  }
  return { at, units, items, width: x, height: tallest + 12 };
}

// ---------------------------------------------------------------------------------------- drawing
function setGraph(graph) {
  state.graph = graph; state.walk = null;
  $("bw-next").disabled = $("bw-end").disabled = true; $("bw-note").textContent = "";
  if (!graph) return;
  if (graph.lecture !== graphView.lecture) { graphView.lecture = graph.lecture; graphView.chosen = false; graphView.open.clear(); }
  const grouped = graph.nodes.every((n) => n.group);
  if (!graphView.chosen || !grouped) graphView.view = graph.lecture || !grouped ? "values" : "neurons";
  graphView.parts = groupsOf(graph);
  graphView.walkOpen = null;
  $("graph-toggle").textContent = graphView.view === "values" ? "one box per neuron" : "every Value";
  $("graph-toggle").disabled = !grouped;
  $("example").textContent = `${graph.set === "test" ? "test " : ""}example ${graph.example} (x = [${graph.x.map((v) => v.toFixed(2)).join(", ")}], ${regression() ? "target" : "class"} ${graph.label})`;
  drawBoundary();
  $("graph-note").textContent = graph.failure || zeroGradNote(graph);
  if (state.selectedNode !== null && state.selectedNode < graph.nodes.length) showNode(state.selectedNode); // draws it
  else renderGraph();
}

function renderGraph() {
  const graph = state.graph, walk = state.walk, svg = $("graph");
  if (!graph) return;
  const L = layout(graph);
  state.layout = L;
  const focused = document.activeElement && document.activeElement.closest && document.activeElement.closest("#graph [data-key]");
  const focusKey = graphView.focusKey || (focused ? focused.dataset.key : null);
  graphView.focusKey = null;
  svg.setAttribute("width", L.width); svg.setAttribute("height", L.height);
  svg.dataset.view = graphView.view;
  // A Value inside a closed part is drawn as that part's box: edges join boxes.
  const unitOf = {};
  for (const u of L.units) for (const id of u.g.members) unitOf[id] = u;
  const ends = (id) => { const u = unitOf[id]; if (u) return [u.x, u.y, u.w, u.h, u]; const [x, y] = L.at[id]; return [x, y, ...sizeOf(id), null]; };
  const parts = [], drawn = new Set(), near = state.selectedNode, ovals = graphView.view === "values";
  for (const e of graph.edges) {
    const [ax, ay, aw, ah, ua] = ends(e.from), [bx, by, , bh, ub] = ends(e.to);
    if (ua && ua === ub) continue;
    const key = `${ua ? ua.g.name : e.from}>${ub ? ub.g.name : e.to}`;
    if (drawn.has(key)) continue;
    drawn.add(key);
    const active = walk && walk.current === e.to;
    const lit = near !== null && (e.from === near || e.to === near || (ua && ua.g.members.includes(near)) || (ub && ub.g.members.includes(near)));
    const [sx, sy, ty] = [ax + aw, ay + ah / 2, by + bh / 2], tx = ovals ? bx - BOX.GX / 2 - ovalRx(graph.nodes[e.to].op) : bx;
    const mid = (sx + tx) / 2;
    parts.push(`<path class="edge${active ? " active" : ""}${lit ? " near" : ""}${ua || ub ? " joined" : ""}" d="M${sx},${sy} C${mid},${sy} ${mid},${ty} ${tx},${ty}"/>`);
  }
  if (ovals) { // as the lecture draws a graph: each op an oval between its inputs and the Value it makes
    for (const n of graph.nodes) {
      if (!n.op) continue;
      const [x, y] = L.at[n.id], cx = x - BOX.GX / 2, cy = y + BOX.H / 2, rx = ovalRx(n.op);
      parts.push(`<g class="oval${walk && walk.current === n.id ? " active" : ""}"><path d="M${cx + rx},${cy} H${x}"/><ellipse cx="${cx}" cy="${cy}" rx="${rx}" ry="9"/>` +
        `<text x="${cx}" y="${cy + 3}" text-anchor="middle">${escapeHtml(n.op)}</text></g>`);
    }
  }
  const value = (n) => {
    const [x, y] = L.at[n.id], [w, h] = sizeOf(n.id);
    const grad = walk ? walk.grads[n.id] : n.grad;
    const cls = ["node", n.op ? "op" : "leaf", n.id === graph.root ? "root" : "", n.id === graph.bad ? "bad" : "",
      n.id === state.selectedNode ? "selected" : "", walk && walk.current === n.id ? "current" : "", walk && walk.touched.has(n.id) ? "touched" : ""].join(" ");
    const title = w === BOX.W ? titleOf(n) : n.name;
    const acc = walk && walk.accumulated.has(n.id) ? `<text class="acc" x="${x + w - 18}" y="${y + 11}">+=</text>` : "";
    const role = n.role ? `, ${n.role}` : "", where = n.group && n.group !== "loss" && n.group !== "input" ? ` in ${n.group}` : "";
    return `<g class="${cls}" data-key="n:${n.id}" data-id="${n.id}" tabindex="0" role="button" aria-label="${escapeHtml(`${titleOf(n)}${role}${where}: data ${fmt(n.data)}, grad ${fmt(grad)}`)}"><rect x="${x}" y="${y}" width="${w}" height="${h}" rx="3"/>` +
      `<text x="${x + 4}" y="${y + 11}">${escapeHtml(title)}</text>` +
      (w === UNIT.IN ? `<text x="${x + 4}" y="${y + 24}">${fmt(n.data)}</text>`
        : h === INNER.H ? `<text x="${x + 4}" y="${y + 23}">data ${fmt(n.data)}</text><text x="${x + 4}" y="${y + 35}">grad ${fmt(grad)}</text>`
          : `<text x="${x + 4}" y="${y + 24}">data ${fmt(n.data)} | grad ${fmt(grad)}</text>`) + `${acc}</g>`;
  };
  const unit = (u) => {
    const out = graph.nodes[u.g.out], grad = walk ? walk.grads[out.id] : out.grad, has = (set) => u.g.members.some((id) => set.has(id));
    const cls = ["node", "group", u.g.members.includes(graph.root) ? "root" : "", u.g.members.includes(state.selectedNode) ? "selected" : "",
      walk && has(walk.touched) ? "touched" : ""].join(" ");
    const what = u.g.name === "loss" ? "the loss" : `neuron ${u.g.name}, output ${out.op}`;
    const label = `${what}: data ${fmt(out.data)}, grad ${fmt(grad)}. Enter opens its ${u.g.members.length} Values`;
    return `<g class="${cls}" data-key="g:${escapeHtml(u.g.name)}" data-group="${escapeHtml(u.g.name)}" data-id="${out.id}" tabindex="0" role="button" aria-expanded="false" aria-label="${escapeHtml(label)}">` +
      `<rect x="${u.x}" y="${u.y}" width="${u.w}" height="${u.h}" rx="3"/>` +
      `<text class="name" x="${u.x + 4}" y="${u.y + 10.5}">${escapeHtml(u.g.name)} <tspan class="op">${escapeHtml(out.op)}</tspan></text>` +
      `<text x="${u.x + 4}" y="${u.y + 20.5}">data ${fmt(out.data)}</text><text x="${u.x + 4}" y="${u.y + 30}">grad ${fmt(grad)}</text>` +
      `<text class="more" x="${u.x + u.w - 10}" y="${u.y + 10.5}">▸</text></g>`;
  };
  const frame = (f) => `<g class="part"><rect class="frame" x="${f.x}" y="${f.y}" width="${f.w}" height="${f.h}" rx="4"/>` +
    `<g class="part-head" data-key="h:${escapeHtml(f.g.name)}" data-group="${escapeHtml(f.g.name)}" tabindex="0" role="button" aria-expanded="true" ` +
    `aria-label="${escapeHtml(f.g.name)}: close into one box"><rect x="${f.x}" y="${f.y}" width="${Math.min(f.w, 150)}" height="${UNIT.HEAD}" rx="3"/>` +
    `<text x="${f.x + 4}" y="${f.y + 11}">▾ ${escapeHtml(f.g.name)}</text></g>${f.order.map((id) => value(graph.nodes[id])).join("")}</g>`;
  for (const item of L.items) parts.push(item.kind === "value" ? value(graph.nodes[item.id]) : item.kind === "unit" ? unit(item) : frame(item));
  svg.innerHTML = parts.join("");
  svg.querySelectorAll("[data-key]").forEach((el) => {
    const act = () => {
      const key = el.dataset.key, group = el.dataset.group;
      if (key.startsWith("h:")) { graphView.open.delete(group); if (graphView.walkOpen === group) graphView.walkOpen = null; graphView.focusKey = `g:${group}`; renderGraph(); return; }
      if (key.startsWith("g:")) { graphView.open.add(group); graphView.focusKey = `h:${group}`; }
      showNode(Number(el.dataset.id));
      reveal($("graph").querySelector("g.node.selected"));
    };
    el.onclick = act;
    el.onkeydown = (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); act(); } };
  });
  if (focusKey) { const el = svg.querySelector(`[data-key="${CSS.escape(focusKey)}"]`); if (el) el.focus({ preventScroll: true }); }
}
// Scrolls the graph pane (only it, not the page) so that a box just clicked, or the part it opened into, shows.
function reveal(el) {
  if (!el) return;
  const pane = $("graph-scroll"), r = el.getBoundingClientRect(), p = pane.getBoundingClientRect();
  if (r.right > p.right) pane.scrollLeft += Math.min(r.right - p.right + 8, r.left - p.left - 8);
  else if (r.left < p.left) pane.scrollLeft -= p.left - r.left + 8;
  if (r.bottom > p.bottom) pane.scrollTop += Math.min(r.bottom - p.bottom + 8, r.top - p.top - 8);
  else if (r.top < p.top) pane.scrollTop -= p.top - r.top + 8;
}
function ovalRx(op) { return Math.min(BOX.GX / 2 - 3, 6 + 2.4 * op.length); }
// Inputs in the neurons view sit in a narrow column: their name and data only (their grad is in the explanation).
// Inside an open neuron, Values are smaller boxes of three lines.
function sizeOf(id) {
  if (graphView.view !== "neurons") return [BOX.W, BOX.H];
  const group = state.graph.nodes[id].group;
  return group === "input" ? [UNIT.IN, BOX.H] : [INNER.W, INNER.H];
}
function titleOf(n) { return n.label && n.op ? `${n.label} = ${n.op}` : n.name || name(n); }

// An example whose loss is 0 sends no gradient: every grad below the loss is 0. Say why, rather than show zeros.
function zeroGradNote(g) {
  const root = g.nodes[g.root];
  if (root.data !== 0 || g.nodes.some((n) => !n.op && n.label && n.grad !== 0)) return ""; // inputs and weights

  return (state.config && state.config.loss.includes("hinge") ? "margin met: this example sends no gradient" : "this example's loss is 0: it sends no gradient") +
    " (its loss is 0 and flat here, so every weight's and input's grad is 0)";
}
function escapeHtml(s) { return String(s).replace(/[&<>"]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch]); }

byId("graph-toggle").onclick = () => {
  if (!state.graph) return;
  graphView.view = graphView.view === "values" ? "neurons" : "values"; graphView.chosen = true;
  byId("graph-toggle").textContent = graphView.view === "values" ? "one box per neuron" : "every Value";
  renderGraph();
  if (state.walk) showCurrent();
};

// ---------------------------------------------------------------------------------------- explaining a node
function name(n) { return n.name || n.label || `${n.op} #${n.id}`; }
function showNode(id) {
  state.selectedNode = id;
  const g = state.graph, n = g.nodes[id];
  const uses = g.edges.filter((e) => e.from === id);
  let text = `${name(n)}${n.op ? ` = ${n.op}(${g.edges.filter((e) => e.to === id).map((e) => name(g.nodes[e.from])).join(", ")})` : n.role ? ` (a constant: ${n.role})` : " (a leaf)"}\n`;
  if (n.group && n.group !== "input" && n.group !== "loss") text += `part of neuron ${n.group}${graphView.parts && graphView.parts.get(n.group).out === id ? " (its output)" : ""}\n`;
  text += `data ${fmt(n.data)}\ngrad ${fmt(n.grad)} = d(loss)/d(${name(n)})\n\n`;
  if (id === g.root) text += "This is the loss itself: its gradient is 1 by definition.\n";
  else if (!uses.length) text += "Nothing uses this node: its gradient is 0.\n";
  else {
    text += "chain rule: sum over every use of (local derivative × grad of the user)\n";
    let total = 0;
    for (const e of uses) {
      const user = g.nodes[e.to], term = (typeof e.local === "number" && typeof user.grad === "number") ? e.local * user.grad : NaN;
      total += term;
      text += `  d ${name(user)} / d ${name(n)} = ${fmt(e.local)}   × grad ${fmt(user.grad)}   = ${fmt(term)}\n`;
    }
    text += `  sum = ${fmt(total)}${uses.length > 1 ? `   (${uses.length} uses: the contributions add up, +=)` : ""}\n`;
  }
  if (n.grad === 0 && !n.op) { const why = zeroGradNote(g); if (why) text += `\n${why}\n`; }
  text += "\nfinite-difference check: asking the server…";
  const el = $("node-detail");
  el.textContent = text; el.dataset.node = id; delete el.dataset.fdOk;
  renderGraph();
  el.scrollTop = 0; el.scrollIntoView({ block: "nearest" }); // the explanation lands where the learner looks
  state.fdPending = id;
  send({ type: "fd", node: id });
}
function showFd(m) {
  const el = $("node-detail");
  if (Number(el.dataset.node) !== m.node) return;
  state.fdPending = null;
  const ok = typeof m.numerical === "number" && typeof m.backprop === "number" && Math.abs(m.numerical - m.backprop) <= 1e-5 * Math.max(1, Math.abs(m.numerical));
  el.textContent = el.textContent.replace("finite-difference check: asking the server…",
    `finite-difference check (nudge ±${fmt(m.h)}): numerical ${fmt(m.numerical)}, backprop ${fmt(m.backprop)} — ${ok ? "agree" : "DIFFER (a kink, such as ReLU at 0, or a bug)"}`);
  el.dataset.fdOk = ok;
}
function fdUnavailable(reason) {
  const el = $("node-detail");
  state.fdPending = null;
  el.textContent = el.textContent.replace("finite-difference check: asking the server…", `finite-difference check: not available (${reason})`);
}

// --------------------------------------------------------------------------- step through backward
// The walk goes Value by Value in backward's own order; in the neurons view the neuron it is in opens (and the one
// before closes again, unless the learner opened it), so each product and sum shows as it gets its grad.
function showCurrent() {
  const el = $("graph").querySelector("g.node.current") || $("graph").querySelector("g.node.root");
  if (el) el.scrollIntoView({ block: "nearest", inline: "nearest" });
}
byId("bw-start").onclick = () => {
  const g = state.graph; if (!g) return;
  send({ type: "pause" });
  const grads = g.nodes.map(() => 0); grads[g.root] = 1;
  state.walk = { index: 0, current: null, grads, touched: new Set([g.root]), accumulated: new Set(), seen: new Set([g.root]) };
  graphView.walkOpen = null;
  $("bw-next").disabled = false; $("bw-end").disabled = false;
  $("bw-note").textContent = "grad of the loss = 1; press next node";
  renderGraph(); showCurrent();
};
byId("bw-next").onclick = () => {
  const g = state.graph, w = state.walk; if (!w) return;
  if (w.index >= g.backward.length) { $("bw-note").textContent = "done: every grad is filled in"; $("bw-next").disabled = true; return; }
  const id = g.backward[w.index++]; w.current = id; w.accumulated = new Set();
  graphView.walkOpen = g.nodes[id].group;
  const notes = [];
  for (const e of g.edges.filter((e) => e.to === id)) {
    const add = (typeof e.local === "number" ? e.local : NaN) * w.grads[id];
    if (w.seen.has(e.from)) { w.accumulated.add(e.from); notes.push(`${name(g.nodes[e.from])} += ${fmt(add)}`); }
    else notes.push(`${name(g.nodes[e.from])} = ${fmt(add)}`);
    w.grads[e.from] += add; w.seen.add(e.from); w.touched.add(e.from);
  }
  $("bw-note").textContent = `${w.index}/${g.backward.length}: ${name(g.nodes[id])} (${g.nodes[id].op}) sends: ${notes.join(", ")}`;
  renderGraph(); showCurrent();
};
byId("bw-end").onclick = () => { state.walk = null; graphView.walkOpen = null; $("bw-next").disabled = $("bw-end").disabled = true; $("bw-note").textContent = ""; renderGraph(); };
