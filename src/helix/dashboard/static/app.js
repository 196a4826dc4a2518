// helix dashboard: plain JavaScript over the server's JSON API; plotly.js is served by helix.
"use strict";

const $ = (id) => document.getElementById(id);
const CONFIG = { displaylogo: false, responsive: true };
const state = { world: null, original: {}, params: {}, job: null, source: null, experiment: null, shown: -1 };

async function api(path, body) {
  const init = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  };
  const response = await fetch(path, init);
  const data = await response.json();
  return { ok: response.ok, data };
}

// ------------------------------------------------------------------------------ figures

// plotly.js 3 reads titles only as {text}: a string title is written as one here.
function titled(layout) {
  const text = (t) => (typeof t === "string" ? { text: t } : t);
  const out = Object.assign({}, layout, { title: Object.assign({ font: { size: 14 }, x: 0.01, xanchor: "left" }, text(layout.title)) });
  for (const axis of ["xaxis", "yaxis"]) if (out[axis]) out[axis] = Object.assign({}, out[axis], { title: text(out[axis].title) });
  return out;
}

function plot(id, traces, layout, name) {
  const el = $(id);
  Plotly.react(el, traces, Object.assign({ height: 380, margin: { l: 70, r: 20, t: 50, b: 45 } }, titled(layout)),
    Object.assign({ toImageButtonOptions: { format: "png", filename: name || id } }, CONFIG));
  addCsv(el, name || id);
}

function addCsv(el, name) {
  if (el.parentElement.querySelector(".csv")) return;
  const button = document.createElement("button");
  button.className = "csv";
  button.type = "button";
  button.textContent = "data as CSV";
  button.addEventListener("click", () => downloadCsv(el, name));
  el.parentElement.appendChild(button);
}

function downloadCsv(el, name) {
  const lines = ["trace,x,y"];
  for (const trace of el.data || []) {
    const xs = trace.x || [], ys = trace.y || [];
    for (let i = 0; i < Math.max(xs.length, ys.length); i++) {
      lines.push([JSON.stringify(trace.name || ""), JSON.stringify(xs[i] ?? ""), ys[i] ?? ""].join(","));
    }
  }
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([lines.join("\n") + "\n"], { type: "text/csv" }));
  link.download = `${name}.csv`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

function band(months, low, high, color, name) {
  return {
    x: months.concat(months.slice().reverse()), y: low.concat(high.slice().reverse()),
    fill: "toself", fillcolor: color, line: { width: 0 }, name, hoverinfo: "skip", type: "scatter",
  };
}

function drawMap(world) {
  const names = Object.keys(world.cities);
  const tt = world.travel_time;
  const traces = [];
  for (let i = 0; i < tt.cities.length; i++) {
    for (let j = i + 1; j < tt.cities.length; j++) {
      const a = world.cities[tt.cities[i]], b = world.cities[tt.cities[j]];
      if (!a || !b || !(tt.minutes[i][j] < 240)) continue;
      traces.push({
        x: [a.lon, b.lon], y: [a.lat, b.lat], mode: "lines", type: "scatter", showlegend: false,
        line: { color: "#9bb", width: 1 + 4 * (1 - tt.minutes[i][j] / 240) },
        name: `${tt.cities[i]}–${tt.cities[j]}`, hovertext: `${tt.cities[i]}–${tt.cities[j]}: ${tt.minutes[i][j]} min`, hoverinfo: "text",
      });
    }
  }
  traces.push({
    x: names.map((n) => world.cities[n].lon), y: names.map((n) => world.cities[n].lat), text: names,
    mode: "markers+text", textposition: "top center", type: "scatter", name: "cities",
    marker: { size: names.map((n) => (n === world.focus_city ? 18 : 11)), color: names.map((n) => (world.cities[n].role === "core" ? "#c0392b" : "#1f3b57")) },
  });
  plot("fig-map", traces, { title: "The corridor: cities at their coordinates, lines by rail time (thicker: closer)", xaxis: { title: "longitude" }, yaxis: { title: "latitude", scaleanchor: "x" }, height: 460 }, "corridor-map");
}

function drawTimeline() {
  const world = state.world;
  const items = world.policies.concat(world.shocks);
  const y = [], base = [], width = [], colors = [], text = [];
  const month = (m) => new Date(`${m}-01`).getTime();
  for (const item of items) {
    const key = `${item.table}.${item.name}`;
    if (document.querySelector(`[data-off="${key}"]`)?.checked === false) continue;
    const start = leverValue(key, "start") || item.values.start;
    const end = leverValue(key, "end") || item.values.end || state.runEnd || world.end;
    y.push(`${item.name} (${item.values.kind})`);
    base.push(start);
    width.push(month(end) - month(start) + 28 * 864e5);
    colors.push(item.table === "shocks" ? "#c0392b" : "#2e86c1");
    text.push(`${start} to ${item.values.end || "open"}`);
  }
  plot("fig-timeline", [{ type: "bar", orientation: "h", y, base, x: width, marker: { color: colors }, hovertext: text, hoverinfo: "y+text", name: "in force" }],
    { title: "Policies (blue) and shocks (red) in force", xaxis: { type: "date" }, height: 120 + 24 * y.length, margin: { l: 260, r: 20, t: 50, b: 40 } }, "policies-timeline");
}

// --------------------------------------------------------------------------- the levers

function leverValue(key, fieldName) {
  const input = document.querySelector(`[data-key="${key}.${fieldName}"]`);
  return input ? input.value : null;
}

function fieldInput(key, fieldName, value, info) {
  const label = document.createElement("label");
  const input = document.createElement("input");
  input.dataset.key = `${key}.${fieldName}`;
  if (fieldName === "start" || fieldName === "end") {
    input.className = "month";
    input.placeholder = "YYYY-MM";
    input.value = value || "";
  } else {
    input.type = "number";
    input.step = "any";
    input.value = value;
    if (info && info.low !== null) input.min = info.low;
    if (info && info.high !== null) input.max = info.high;
  }
  state.original[input.dataset.key] = input.value;
  input.addEventListener("change", leversChanged);
  label.append(`${fieldName} `, input);
  if (info) {
    const unit = document.createElement("span");
    unit.className = "unit";
    unit.textContent = ` ${info.unit} [${info.low ?? "−∞"}, ${info.high ?? "∞"}]`;
    unit.title = info.meaning;
    label.append(unit);
  }
  return label;
}

function drawLevers(items, holder) {
  holder.replaceChildren();
  for (const item of items) {
    const key = `${item.table}.${item.name}`;
    const box = document.createElement("fieldset");
    const legend = document.createElement("legend");
    const on = document.createElement("input");
    on.type = "checkbox";
    on.checked = true;
    on.dataset.off = key;
    on.addEventListener("change", () => { box.classList.toggle("off", !on.checked); leversChanged(); });
    legend.append(on, ` ${item.name} `);
    const kind = document.createElement("span");
    kind.className = "unit";
    kind.textContent = `${item.values.kind} · ${(item.values.cities || []).join(", ") || "all cities"}`;
    legend.append(kind);
    box.append(legend);
    for (const fieldName of ["start", "end"]) box.append(fieldInput(key, fieldName, item.values[fieldName], null));
    for (const [fieldName, info] of Object.entries(item.fields)) box.append(fieldInput(key, fieldName, item.values[fieldName], info));
    holder.append(box);
  }
}

function whatIf() {
  const changes = {}, removed = [];
  for (const box of document.querySelectorAll("[data-off]")) if (!box.checked) removed.push(box.dataset.off);
  for (const input of document.querySelectorAll("[data-key]")) {
    const key = input.dataset.key;
    if (input.value === state.original[key]) continue;
    changes[key] = input.classList.contains("month") ? input.value : Number(input.value);
  }
  Object.assign(changes, state.params);
  return {
    scenario: $("scenario").value || null, changes, removed,
    replicates: Number($("replicates").value), scale: $("scale").value, until: $("until").value, seed: $("seed").value,
  };
}

let checkTimer = null;
function leversChanged() {
  clearTimeout(checkTimer);
  checkTimer = setTimeout(checkLevers, 200);
  drawTimeline();
}

// Checks can overlap (the debounce only merges changes closer than 200 ms) and their answers can
// come back out of order: only the answer to the newest check sent is shown, so an earlier
// "fine" never wipes the refusal of a lever added since.
let checksSent = 0;
async function checkLevers() {
  const sent = ++checksSent;
  const { data } = await api("/api/check", whatIf());
  if (sent === checksSent) {
    $("lever-error").textContent = data.ok ? "" : data.error;
    if (data.ok) state.runEnd = data.end;
  }
  return data.ok;
}

function drawParams() {
  const list = $("param-list");
  list.replaceChildren();
  for (const [key, value] of Object.entries(state.params)) {
    const li = document.createElement("li");
    const drop = document.createElement("button");
    drop.type = "button";
    drop.textContent = "×";
    drop.addEventListener("click", () => { delete state.params[key]; drawParams(); leversChanged(); });
    li.append(`${key} = ${value}`, drop);
    list.append(li);
  }
}

async function showParam() {
  const key = $("param-key").value.trim();
  if (!key) { $("param-info").textContent = ""; return; }
  const scenario = encodeURIComponent($("scenario").value);
  const { data } = await api(`/api/parameter?key=${encodeURIComponent(key)}&scenario=${scenario}`);
  const ok = data.ok;
  $("param-info").textContent = ok
    ? `now ${data.value} ${data.unit}; bounds [${data.low ?? "−∞"}, ${data.high ?? "∞"}]; ${data.meaning}`
    : data.error;
  if (ok && $("param-value").value === "") $("param-value").value = data.value;
}

// ------------------------------------------------------------------------- the what-if

async function run() {
  if (!(await checkLevers())) return;
  const { ok, data } = await api("/api/whatif", whatIf());
  if (!ok) { $("lever-error").textContent = data.error; return; }
  follow(data);
  selectTab("results");
}

function follow(job) {
  if (state.source) state.source.close();
  state.job = job.job;
  state.experiment = job.experiment_id;
  state.shown = -1;
  state.summarised = false;
  $("report").removeAttribute("src");
  $("cancel").disabled = false;
  $("experiment-note").textContent = `experiment ${job.experiment_id}: helix experiment status ${job.experiment_file} · helix report --experiment ${job.experiment_id}`;
  const source = new EventSource(`/api/jobs/${job.job}/events`);
  state.source = source;
  source.onmessage = (event) => {
    const p = JSON.parse(event.data);
    const finished = ["done", "cancelled", "failed"].includes(p.state);
    if (finished) source.close();
    showProgress(p);
    if (p.done !== state.shown && p.done > 0) { state.shown = p.done; drawResults(); }
    if (p.summarised && !state.summarised) { state.summarised = true; drawSummary(p.experiment_id); }
    if (finished) finish(p);
  };
}

function showProgress(p) {
  $("progress-bar").max = p.total;
  $("progress-bar").value = p.done + p.failed;
  const left = p.seconds_left === null ? "" : ` · about ${Math.round(p.seconds_left)} s left`;
  const queued = p.state === "queued" ? ` · queued behind ${p.queue_position} what-if(s)` : "";
  $("progress-text").textContent = `${p.state}: ${p.done} of ${p.total} runs done · ${p.failed} failed${left}${queued}${p.message ? " · " + p.message : ""}`;
}

async function finish(p) {
  $("cancel").disabled = true;
  if (p.state === "failed") $("lever-error").textContent = p.message;
  if (p.state !== "done") return;
  await drawResults();
  if (p.report) $("report").src = `/reports/${p.report}/report.html`;
}

async function drawResults() {
  if (!state.experiment) return;
  const q = ["indicator", "city", "sector", "district"].map((k) => `${k}=${encodeURIComponent($(k).value)}`).join("&");
  const { ok, data } = await api(`/api/experiments/${state.experiment}/series?${q}`);
  if (!ok) { $("lever-error").textContent = data.error; return; }
  const colors = { baseline: ["#555", "rgba(85,85,85,0.2)"], "what-if": ["#1f6f43", "rgba(31,111,67,0.25)"] };
  const traces = [];
  for (const [variant, s] of Object.entries(data.variants)) {
    const [line, fill] = colors[variant] || ["#888", "rgba(136,136,136,0.2)"];
    traces.push(band(data.months, s.low, s.high, fill, `${variant} 5–95%`));
    traces.push({ x: data.months, y: s.median, type: "scatter", mode: "lines", line: { color: line }, name: `${variant} median (${s.runs} runs)` });
  }
  const where = [data.district, data.city].filter(Boolean).join(", ") + (data.sector ? `, ${data.sector}` : "");
  const title = `${data.indicator} in ${where} (${data.unit})`;
  plot("fig-series", traces, { title: `${title}: replicates' median and 5–95% band` }, `series-${data.indicator}-${data.city}`);
  const d = data.difference;
  if (d) {
    plot("fig-difference", [
      band(data.months, d.low.map((v) => v ?? NaN), d.high.map((v) => v ?? NaN), "rgba(192,57,43,0.2)", "95% CI"),
      { x: data.months, y: d.mean, type: "scatter", mode: "lines", line: { color: "#c0392b" }, name: `what-if − baseline (${d.pairs} paired seeds)` },
    ], { title: `Difference from the baseline: ${title}, mean over paired seeds with 95% CI`, shapes: [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: 0, y1: 0, line: { color: "#999", dash: "dot" } }] }, `difference-${data.indicator}-${data.city}`);
  }
}

async function drawChannel(experiment) {
  const city = $("city").value;
  const { ok, data } = await api(`/api/experiments/${experiment}/channel?city=${encodeURIComponent(city)}`);
  if (!ok) return;
  $("channel-title").textContent = `The channel: ${city}'s indicators in the order they moved (95% CI clear of zero ${data.run_of_months} months in a row)`;
  const table = $("channel-table");
  table.replaceChildren();
  const head = table.insertRow();
  for (const h of ["indicator", "moved from", "difference at the end", "% of baseline"]) head.insertCell().outerHTML = `<th>${h}</th>`;
  for (const r of data.rows) {
    const row = table.insertRow();
    const pct = r.percent_at_end === null ? "—" : `${r.percent_at_end.toFixed(1)}%`;
    for (const v of [r.indicator, r.moved, `${Number(r.difference_at_end.toPrecision(3)).toLocaleString()} ${r.unit}`, pct]) row.insertCell().textContent = v;
  }
  if (!data.rows.length) table.insertRow().insertCell().textContent = "no indicator moved clearly (more replicates narrow the intervals)";
}

async function drawSummary(experiment) {
  const { ok, data } = await api(`/api/experiments/${experiment}/summary`);
  if (!ok) return;
  drawChannel(experiment);
  const diffs = data.rows.filter((r) => r.statistic === "difference");
  const means = data.rows.filter((r) => r.statistic === "mean");
  const rel = diffs.map((r) => {
    const base = means.find((m) => m.outcome === r.outcome && m.variant === "baseline");
    const scale = base && base.value ? Math.abs(base.value) / 100 : 1;
    return { name: r.outcome, value: r.value / scale, low: r.low / scale, high: r.high / scale, pct: !!(base && base.value) };
  });
  plot("fig-outcomes", [{
    type: "scatter", mode: "markers", x: rel.map((r) => r.value), y: rel.map((r) => r.name), name: "difference, % of baseline",
    error_x: { type: "data", symmetric: false, array: rel.map((r) => r.high - r.value), arrayminus: rel.map((r) => r.value - r.low) },
  }], { title: "Outcomes: what-if − baseline, % of the baseline's mean, 95% CI (the experiment's summary)", xaxis: { title: "%", zeroline: true }, height: 320, margin: { l: 120, r: 20, t: 50, b: 45 } }, "outcome-differences");
  const table = $("summary-table");
  table.replaceChildren();
  const head = table.insertRow();
  for (const h of ["outcome", "variant", "statistic", "value", "low", "high", "runs"]) head.insertCell().outerHTML = `<th>${h}</th>`;
  for (const r of data.rows) {
    const row = table.insertRow();
    for (const v of [r.outcome, r.variant, r.statistic, r.value, r.low, r.high, r.n]) {
      row.insertCell().textContent = typeof v === "number" ? Number(v.toPrecision(4)).toLocaleString() : (v ?? "—");
    }
  }
}

// ---------------------------------------------------------------------------- the store

async function drawStore() {
  const { ok, data } = await api("/api/store");
  const holder = $("store-lists");
  holder.replaceChildren();
  if (!ok) { holder.textContent = data.error; return; }
  const lists = [
    ["experiments", "experiment", "experiment_id", ["name", "done", "failed", "total_runs", "updated"]],
    ["calibrations", "calibration", "calibration_id", ["scenario_name", "trials", "best_loss", "created"]],
    ["runs", "run", "run_id", ["scenario_name", "seed", "status", "variant", "finished"]],
  ];
  for (const [listName, kind, idKey, columns] of lists) {
    const h = document.createElement("h3");
    h.textContent = `${listName} in ${data.db} (${data[listName].length})`;
    const table = document.createElement("table");
    const head = table.insertRow();
    for (const c of [idKey, ...columns, ""]) head.insertCell().outerHTML = `<th>${c}</th>`;
    for (const item of data[listName]) {
      const row = table.insertRow();
      for (const c of [idKey, ...columns]) row.insertCell().textContent = item[c] ?? "—";
      const cell = row.insertCell();
      for (const pane of ["left", "right"]) {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = pane;
        b.addEventListener("click", () => openReport(kind, item[idKey], `pane-${pane}`));
        cell.append(b);
      }
      if (kind === "experiment") {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = "results";
        b.addEventListener("click", async () => { state.experiment = item[idKey]; selectTab("results"); await drawResults(); await drawSummary(item[idKey]); });
        cell.append(b);
      }
    }
    holder.append(h, table);
  }
}

async function openReport(kind, id, frame) {
  $(frame).removeAttribute("src");
  const { ok, data } = await api("/api/report", { kind, id });
  if (!ok) { $("store-lists").prepend(Object.assign(document.createElement("p"), { className: "error", textContent: data.error })); return; }
  $(frame).src = data.url;
}

// --------------------------------------------------------------------------- the world

async function loadWorld(event) {
  if (event) event.preventDefault();
  const scenario = encodeURIComponent($("scenario").value);
  const { ok, data } = await api(`/api/world?scenario=${scenario}`);
  if (!ok) { $("lever-error").textContent = data.error; return; }
  $("lever-error").textContent = "";
  state.world = data;
  state.original = {};
  state.params = {};
  $("world-name").textContent = `${data.name}: ${data.start} to ${data.end}, focus ${data.focus_city}`;
  drawLevers(data.policies, $("policies"));
  drawLevers(data.shocks, $("shocks"));
  drawParams();
  $("param-keys").replaceChildren(...data.parameters.map((p) => Object.assign(document.createElement("option"), { value: p.key, label: `${p.unit} [${p.low ?? ""}, ${p.high ?? ""}]` })));
  $("indicator").replaceChildren(...data.indicators.map((i) => Object.assign(document.createElement("option"), { value: i.name, textContent: `${i.name} (${i.unit})` })));
  $("indicator").value = "output";
  $("city").replaceChildren(...Object.keys(data.cities).map((c) => Object.assign(document.createElement("option"), { value: c, textContent: c })));
  $("city").value = data.focus_city;
  $("sector").replaceChildren(...["", ...data.sectors].map((c) => Object.assign(document.createElement("option"), { value: c, textContent: c || "all sectors" })));
  drawDistricts();
  drawMap(data);
  drawTimeline();
}

// The indicator decides which filter applies: sectors for firm indicators, districts for rents.
function drawDistricts() {
  const world = state.world;
  const kind = (world.indicators.find((i) => i.name === $("indicator").value) || {}).dims;
  const districts = Object.keys(world.districts).filter((d) => world.districts[d] === $("city").value);
  $("district").replaceChildren(...["", ...districts].map((c) => Object.assign(document.createElement("option"), { value: c, textContent: c || "all districts" })));
  $("district").disabled = kind !== "district";
  $("sector").disabled = kind !== "city_sector";
  if ($("sector").disabled) $("sector").value = "";
}

function selectTab(name) {
  for (const b of document.querySelectorAll("nav button")) b.classList.toggle("active", b.dataset.tab === name);
  for (const t of document.querySelectorAll(".tab")) t.classList.toggle("active", t.id === `tab-${name}`);
  if (name === "store") drawStore();
  window.dispatchEvent(new Event("resize"));
}

$("world-form").addEventListener("submit", loadWorld);
$("run").addEventListener("click", run);
$("cancel").addEventListener("click", () => state.job && api(`/api/jobs/${state.job}/cancel`, {}));
$("param-key").addEventListener("change", showParam);
$("param-add").addEventListener("click", () => {
  const key = $("param-key").value.trim();
  if (!key) return;
  state.params[key] = Number($("param-value").value);
  drawParams();
  leversChanged();
});
for (const id of ["replicates", "scale", "until", "seed"]) $(id).addEventListener("change", leversChanged);
for (const id of ["indicator", "city"]) $(id).addEventListener("change", () => { drawDistricts(); drawResults(); });
for (const id of ["sector", "district"]) $(id).addEventListener("change", drawResults);
for (const b of document.querySelectorAll("nav button")) b.addEventListener("click", () => selectTab(b.dataset.tab));
loadWorld();
