// Roost dashboard: polls /api/overview every second (only history newer than the last answer comes back), names
// hosts from /api/overview/hosts (fetched again only when its version changes), loads a host's VMs on click.
// No build step, no dependencies. Every name from the controller reaches the page as text, never as markup.
"use strict";

const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const HISTORY_MS = 3600 * 1000;

const state = {
  version: null, inventoryVersion: null, inventory: null, byId: new Map(), byName: new Map(), cells: new Map(),
  overview: null, history: [], selected: null, detailVms: null, firstRenderDone: false,
};

// --- token and actions ---------------------------------------------------------------------------------------

function token() { return localStorage.getItem("roost-token"); }

function askToken() {
  const t = prompt("Bearer token (the file 'token' in the controller's data directory):", token() || "");
  if (t !== null) { localStorage.setItem("roost-token", t.trim()); }
  showToken();
}

function showToken() { $("token-state").textContent = token() ? "token set" : "read-only"; }

function say(text, ok) {
  const m = $("message");
  m.textContent = text;
  m.className = ok ? "ok" : "bad";
}

/** Sends one operator action; says what happened in the message line (never a modal: the page stays live). */
async function act(method, path, body, done) {
  if (!token()) { askToken(); if (!token()) { say("no token: actions need the controller's bearer token", false); return false; } }
  const init = { method, headers: { Authorization: `Bearer ${token()}` } };
  if (body !== undefined) { init.headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
  let response;
  try { response = await fetch(path, init); } catch (e) { say(`${method} ${path}: controller unreachable`, false); return false; }
  if (response.status === 401) { localStorage.removeItem("roost-token"); showToken(); say("the token was refused", false); return false; }
  if (!response.ok) {
    const p = await response.json().catch(() => ({}));
    say(`${method} ${path}: ${p.detail || p.title || response.statusText}`, false);
    return false;
  }
  say(done, true);
  refresh();
  return true;
}

function decide(id, decision) { return act("POST", `/api/plans/${id}/${decision}`, undefined, `plan ${id}: ${decision === "approve" ? "approved" : "rejected"}`); }

async function setMode(mode) {
  // A refused change puts the select back to the mode the controller runs in.
  if (!await act("PATCH", "/api/settings", { mode }, `mode set to ${mode}`) && state.overview) { $("mode").value = state.overview.settings.mode; }
}

async function setPlacement(placement) {
  if (!await act("PATCH", "/api/settings", { placement }, `placement set to ${placement}`) && state.overview) { $("placement").value = state.overview.settings.placement; }
}

function setThreshold() {
  const value = Number($("threshold").value);
  if (!Number.isFinite(value) || value <= 0 || value > 1) { say("the hotspot threshold is a fraction of capacity in (0, 1]", false); return; }
  act("PATCH", "/api/settings", { threshold: value }, `hotspot threshold set to ${value}`);
}

async function setMaintenance(id, enabled) {
  const name = hostName(id);
  if (await act("POST", `/api/hosts/${id}/maintenance`, { enabled }, `${name} ${enabled ? "entering" : "leaving"} maintenance`)) { loadDetail(id); }
}

async function migrate(vmId, vmName, input) {
  const target = resolveHost(input.value.trim());
  if (target === null) { say(`'${input.value}' is not a host name or id`, false); return; }
  if (await act("POST", `/api/vms/${vmId}/migrate`, { host: target }, `${vmName}: migration to ${hostName(target)} requested`)) { loadDetail(state.selected); }
}

// --- inventory and names -------------------------------------------------------------------------------------

function hostName(id) { const i = state.byId.get(id); return i === undefined ? `host-${id}` : state.inventory.names[i]; }

function resolveHost(text) {
  if (text === "") { return null; }
  if (state.byName.has(text)) { return state.byName.get(text); }
  const m = /^(?:host-)?(\d+)$/.exec(text);
  return m && state.byId.has(Number(m[1])) ? Number(m[1]) : null;
}

async function loadInventory() {
  const response = await fetch("/api/overview/hosts", authHeaders());
  if (!response.ok) { throw new Error(`inventory: ${response.status}`); }
  const inv = await response.json();
  state.inventory = inv;
  state.inventoryVersion = inv.version;
  state.byId = new Map(inv.ids.map((id, i) => [id, i]));
  state.byName = new Map(inv.names.map((n, i) => [n, inv.ids[i]]));
  const grid = $("heatmap");
  const fragment = document.createDocumentFragment();
  state.cells = new Map();
  inv.ids.forEach((id) => {
    const cell = document.createElement("div");
    cell.className = "c";
    cell.dataset.host = id;
    fragment.appendChild(cell);
    state.cells.set(id, cell);
  });
  grid.replaceChildren(fragment);
  const names = document.createDocumentFragment();
  inv.names.forEach((n) => { const o = document.createElement("option"); o.value = n; names.appendChild(o); });
  $("host-names").replaceChildren(names);
  const total = (a) => a.reduce((x, y) => x + y, 0);
  $("cap-cpu").textContent = `of ${fmt(total(inv.cpuCores), 0)} cores`;
  $("cap-mem").textContent = `of ${fmt(total(inv.memoryMiB) / 1024, 0)} GiB`;
  $("cap-net").textContent = `of ${fmt(total(inv.networkMbps) / 1000, 0)} Gbit/s`;
}

function authHeaders() { return token() ? { headers: { Authorization: `Bearer ${token()}` } } : {}; }

// --- heat map ------------------------------------------------------------------------------------------------

function heat(percent) {
  // 0 % → dark green, 45 % → yellow, ≥ 90 % → red.
  const f = Math.max(0, Math.min(1, percent / 100));
  const hue = 130 - 130 * Math.min(1, f / 0.9);
  return `hsl(${hue.toFixed(0)}, 70%, ${(22 + 28 * f).toFixed(0)}%)`;
}

function matches(i, id, k, o, query, filter, sets) {
  if (query !== "") {
    const name = state.inventory.names[i].toLowerCase();
    if (!name.includes(query) && String(id) !== query && `host-${id}` !== query) { return false; }
  }
  switch (filter) {
    case "hot": return sets.hot.has(id);
    case "maintenance": return sets.maintenance.has(id);
    case "unreachable": return sets.unreachable.has(id);
    case "migrating": return sets.migrating.has(id);
    case "idle": return o.heat.vmCount[k] === 0;
    default: return true;
  }
}

function renderHeat() {
  const o = state.overview;
  if (!o || !state.inventory) { return; }
  const h = o.heat;
  const column = { cpu: h.cpuPercent, memory: h.memoryPercent, network: h.networkPercent }[$("metric").value];
  const sets = { hot: new Set(h.hot), maintenance: new Set(h.maintenance), unreachable: new Set(h.unreachable), migrating: new Set(h.migrating) };
  const query = $("search").value.trim().toLowerCase();
  const filter = $("filter").value;
  let shown = 0;
  h.ids.forEach((id, k) => {
    const cell = state.cells.get(id);
    const i = state.byId.get(id);
    if (!cell || i === undefined) { return; }
    const visible = matches(i, id, k, o, query, filter, sets);
    if (visible) { shown++; }
    const cls = "c" + (sets.hot.has(id) ? " hot" : "") + (sets.maintenance.has(id) ? " maint" : "") + (sets.unreachable.has(id) ? " down" : "")
      + (sets.migrating.has(id) ? " moving" : "") + (visible ? "" : " out") + (state.selected === id ? " sel" : "");
    if (cell.className !== cls) { cell.className = cls; }
    const bg = heat(column[k]);
    if (cell.dataset.bg !== bg) { cell.dataset.bg = bg; cell.style.background = bg; }
    cell.dataset.cpu = h.cpuPercent[k]; cell.dataset.mem = h.memoryPercent[k]; cell.dataset.net = h.networkPercent[k]; cell.dataset.vms = h.vmCount[k];
  });
  $("shown").textContent = `${shown} of ${h.ids.length} shown`;
}

function hover(e) {
  const cell = e.target.closest(".c");
  if (!cell) { return; }
  const id = Number(cell.dataset.host);
  cell.title = `${hostName(id)} (host-${id}): CPU ${cell.dataset.cpu} %, memory ${cell.dataset.mem} %, network ${cell.dataset.net} %, ${cell.dataset.vms} VMs`;
}

async function findVm() {
  const text = $("search").value.trim();
  if (text === "" || state.inventory.names.some((n) => n.toLowerCase().includes(text.toLowerCase()))) { return; }
  const response = await fetch(`/api/vms/${encodeURIComponent(text)}`, authHeaders());
  if (!response.ok) { say(`no host or VM named '${text}'`, false); return; }
  const vm = await response.json();
  if (vm.host === null) { say(`VM ${vm.name} is ${vm.state} and on no host`, false); return; }
  say(`VM ${vm.name} runs on ${hostName(vm.host)}`, true);
  select(vm.host);
}

// --- host detail ---------------------------------------------------------------------------------------------

function select(id) {
  state.selected = id;
  state.detailVms = null;
  renderHeat();
  loadDetail(id);
}

const meter = (used, cap) => {
  const p = cap > 0 ? (100 * used) / cap : 0;
  return `<span class="meter"><i style="width:${Math.min(100, p).toFixed(0)}%;background:${heat(p)}"></i></span>${p.toFixed(0)} %`;
};

async function loadDetail(id) {
  if (id === null) { return; }
  const [hr, vr] = await Promise.all([fetch(`/api/hosts/${id}`, authHeaders()), fetch(`/api/vms?host=${id}`, authHeaders())]);
  if (state.selected !== id) { return; }
  if (!hr.ok || !vr.ok) { say(`host-${id}: ${hr.status} ${vr.status}`, false); return; }
  const host = await hr.json();
  const vms = await vr.json();
  $("detail-name").textContent = `${host.name} (host-${host.id})`;
  const c = host.capacity, u = host.usage;
  const flags = [host.hot ? '<span class="bad">hot</span>' : "", host.maintenance ? '<span class="warn">in maintenance</span>' : "",
    host.problem ? `<span class="bad">unreachable: ${esc(host.problem)}</span>` : ""].filter((x) => x).join(" · ") || '<span class="ok">normal</span>';
  const typed = new Map([...document.querySelectorAll("#detail-body .migrate-target")].map((i) => [i.dataset.vm, i.value]));
  $("detail-body").innerHTML = `<div class="kv">
      <b>state</b><span>${flags}</span>
      <b>CPU</b><span>${meter(u.cpuCores, c.cpuCores)} ${fmt(u.cpuCores, 2)} of ${fmt(c.cpuCores, 0)} cores</span>
      <b>memory</b><span>${meter(u.memoryMiB, c.memoryMiB)} ${fmt(u.memoryMiB / 1024, 1)} of ${fmt(c.memoryMiB / 1024, 1)} GiB</span>
      <b>network</b><span>${meter(u.networkMbps, c.networkMbps)} ${fmt(u.networkMbps, 0)} of ${fmt(c.networkMbps, 0)} Mbit/s</span>
      <b>power</b><span>${fmt(host.powerWatts, 0)} W · ${host.vmCount} VMs</span></div>
    <button id="maintenance-button" class="${host.maintenance ? "" : "danger"}" data-enable="${!host.maintenance}">${host.maintenance ? "Leave maintenance" : "Enter maintenance"}</button>
    <div id="vms-box" class="scroll" style="margin-top:4px"><table><tr><th>VM</th><th>state</th><th>CPU used / held</th><th>memory (GiB)</th><th>migrate to</th></tr>
    ${vms.map((v) => `<tr data-vm="${v.id}"><td>${esc(v.name)}</td><td>${esc(v.state)}${v.migratingTo != null ? ` → ${esc(hostName(v.migratingTo))}` : ""}</td>
      <td>${v.usage ? fmt(v.usage.cpuCores, 2) : "–"} / ${fmt(v.allocation.cpuCores, 2)}</td><td>${fmt(v.allocation.memoryMiB / 1024, 1)}</td>
      <td><input class="migrate-target" list="host-names" size="10" data-vm="${v.id}" value="${esc(typed.get(String(v.id)) ?? "")}"> <button class="migrate" data-vm="${v.id}" data-name="${esc(v.name)}">Migrate</button></td></tr>`).join("")}
    </table></div>`;
  $("maintenance-button").onclick = (e) => setMaintenance(id, e.target.dataset.enable === "true");
  document.querySelectorAll("#detail-body button.migrate").forEach((b) => {
    b.onclick = () => migrate(Number(b.dataset.vm), b.dataset.name, b.parentElement.querySelector("input"));
  });
}

// --- plans, log, events --------------------------------------------------------------------------------------

function renderPlans(o) {
  $("plan-count").textContent = o.pendingPlanCount > o.pendingPlans.length ? `${o.pendingPlans.length} of ${o.pendingPlanCount} shown` : "";
  const key = JSON.stringify(o.pendingPlans.map((p) => [p.id, p.actionCount]));
  if ($("plans").dataset.key === key) { return; }
  $("plans").dataset.key = key;
  $("plans").innerHTML = o.pendingPlans.length === 0
    ? `<span class="muted">none${o.settings.mode === "automatic" ? " (automatic mode executes plans at once; choose mode manual to review them)" : ""}</span>`
    : o.pendingPlans.map((p) => `<div class="plan" data-plan="${p.id}"><b>plan ${p.id}</b> <span class="muted">${esc(p.source)} · ${time(p.createdAt)}</span>
        <button class="approve" data-plan="${p.id}">Approve</button> <button class="reject" data-plan="${p.id}">Reject</button>
        <div class="wrap">${esc(p.summary)}</div>
        <ul>${p.actions.map((a) => `<li>${esc(a.kind)} ${esc(a.vmName ?? `vm-${a.vm}`)}: ${esc(hostName(a.fromHost))} → ${esc(hostName(a.toHost))}</li>`).join("")}
        ${p.actionCount > p.actions.length ? `<li>… ${p.actionCount - p.actions.length} more</li>` : ""}</ul></div>`).join("");
  document.querySelectorAll("#plans button.approve").forEach((b) => { b.onclick = () => decide(Number(b.dataset.plan), "approve"); });
  document.querySelectorAll("#plans button.reject").forEach((b) => { b.onclick = () => decide(Number(b.dataset.plan), "reject"); });
}

function renderMigrations(o) {
  $("migrations").innerHTML = "<tr><th>#</th><th>VM</th><th>from → to</th><th>status</th><th>started</th><th>took</th><th>report</th></tr>" + o.migrations.map((m) => {
    const took = m.startedAt && m.finishedAt ? `${((Date.parse(m.finishedAt) - Date.parse(m.startedAt)) / 1000).toFixed(1)} s` : "";
    const cls = m.status === "succeeded" ? "ok" : m.status === "failed" || m.status === "cancelled" ? "bad" : m.status === "inFlight" ? "warn" : "";
    return `<tr data-action="${m.id}"><td>${m.id}</td><td>${esc(m.vmName ?? `vm-${m.vm}`)}</td><td>${esc(hostName(m.fromHost))} → ${esc(hostName(m.toHost))}</td>
      <td class="${cls}">${esc(m.status)}</td><td class="muted">${m.startedAt ? time(m.startedAt) : ""}</td><td class="muted">${took}</td>
      <td class="muted" title="${esc(m.outcome ?? "")}">${esc((m.outcome ?? "").slice(0, 60))}</td></tr>`;
  }).join("");
}

function renderEvents(o) {
  $("events").innerHTML = o.events.map((e) => `<tr><td class="muted">${time(e.at)}</td><td>${esc(e.kind)}</td><td class="wrap">${esc(e.message)}</td></tr>`).join("");
}

// --- charts: time on x (clock labels), values with units on y ------------------------------------------------

const fmt = (v, digits) => Number(v).toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
const time = (iso) => new Date(iso).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit" });

function niceStep(max) {
  const raw = max / 4, p = Math.pow(10, Math.floor(Math.log10(raw))), m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

function chart(svg, points, value, digits, bars) {
  const W = 300, H = 110, L = 38, R = 6, T = 6, B = 16;
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  if (points.length === 0) { svg.innerHTML = `<text x="${L}" y="${H / 2}">no samples stored yet</text>`; return; }
  const t0 = Date.parse(points[0].at), t1 = Math.max(t0 + 1000, Date.parse(points[points.length - 1].at));
  const vmax = Math.max(...points.map(value));
  const step = niceStep(vmax > 0 ? vmax : 1), top = Math.max(step, Math.ceil(vmax / step) * step);
  const x = (t) => L + ((t - t0) / (t1 - t0)) * (W - L - R), y = (v) => H - B - (v / top) * (H - B - T);
  let out = "";
  for (let v = 0; v <= top + step / 2; v += step) {
    out += `<line x1="${L}" x2="${W - R}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#262d36"/><text x="${L - 3}" y="${(y(v) + 3).toFixed(1)}" text-anchor="end">${fmt(v, digits)}</text>`;
  }
  for (let k = 0; k <= 3; k++) {
    const t = t0 + ((t1 - t0) * k) / 3;
    const clock = (t1 - t0) < 600_000 ? { hour: "2-digit", minute: "2-digit", second: "2-digit" } : { hour: "2-digit", minute: "2-digit" };
    out += `<text x="${x(t).toFixed(1)}" y="${H - 4}" text-anchor="${k === 0 ? "start" : k === 3 ? "end" : "middle"}">${new Date(t).toLocaleTimeString("en-GB", clock)}</text>`;
  }
  out += `<line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" stroke="#3a434f"/><line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="#3a434f"/>`;
  if (bars) {
    out += points.filter((p) => value(p) > 0).map((p) => `<rect x="${(x(Date.parse(p.at)) - 1).toFixed(1)}" y="${y(value(p)).toFixed(1)}" width="2" height="${(H - B - y(value(p))).toFixed(1)}" fill="#ffc94d"/>`).join("");
  } else {
    out += `<polyline fill="none" stroke="#4c8bf5" stroke-width="1.3" points="${points.map((p) => `${x(Date.parse(p.at)).toFixed(1)},${y(value(p)).toFixed(1)}`).join(" ")}"/>`;
  }
  const last = points[points.length - 1];
  out += `<text x="${W - R}" y="${T + 8}" text-anchor="end" fill="#dde3ea">now ${fmt(value(last), digits)}</text>`;
  svg.innerHTML = out;
}

function renderCharts() {
  const p = state.history;
  chart($("chart-cpu"), p, (q) => q.cpuCores, 0, false);
  chart($("chart-mem"), p, (q) => q.memoryMiB / 1024, 0, false);
  chart($("chart-net"), p, (q) => q.networkMbps / 1000, 1, false);
  chart($("chart-mig"), p, (q) => q.migrationsStarted, 0, true);
}

// --- the poll ------------------------------------------------------------------------------------------------

function renderHeader(o) {
  const kind = $("kind");
  kind.textContent = o.driverKind === "real" ? "REAL HOSTS" : "SIMULATED";
  kind.className = `badge ${o.driverKind}`;
  $("driver").textContent = o.driver;
  const s = o.clockSeconds;
  if (o.driverKind === "simulated") {
    $("clock-label").firstChild.textContent = "simulated clock ";
    $("clock").textContent = `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}`;
  } else {
    $("clock-label").firstChild.textContent = "last step ";
    $("clock").textContent = time(o.at);
  }
  const t = o.totals;
  $("hosts-active").textContent = `${t.activeHosts} active / ${t.hosts}`;
  $("hot").textContent = t.hotHosts;
  $("maint").textContent = t.maintenanceHosts;
  $("down").textContent = t.unreachableHosts;
  $("vms").textContent = `${t.runningVms} running` + (t.pendingVms ? ` · ${t.pendingVms} pending` : "") + (t.failedVms ? ` · ${t.failedVms} failed` : "");
  $("migrating").textContent = t.migratingVms;
  $("power").textContent = `${fmt(t.powerWatts / 1000, 1)} kW`;
  if (document.activeElement !== $("mode")) { $("mode").value = o.settings.mode; }
  if (document.activeElement !== $("placement")) { $("placement").value = o.settings.placement; }
  if (document.activeElement !== $("threshold")) { $("threshold").value = o.settings.threshold; }
}

// VPCs (issue 18): the list from /api/vpcs every 5 s, outside the overview's poll (a handful of rows).
async function loadVpcs() {
  try {
    const response = await fetch("/api/vpcs", authHeaders());
    if (!response.ok) { return; }
    const vpcs = await response.json();
    $("vpc-count").textContent = `${vpcs.length}`;
    $("vpcs").innerHTML = vpcs.map((v) => `<tr data-vpc="${esc(v.id)}"><td>${esc(v.id)}</td><td>${esc(v.name)}</td><td>${esc(v.subnet)}</td>
      <td class="muted">${v.reservedMbps ? `${v.reservedMbps} Mbit/s reserved` : ""}</td>
      <td class="wrap">${esc(v.members.map((m) => `${m.vm} ${m.address}`).join(", "))}</td>
      <td class="muted">${esc(v.reaches.length ? `reaches ${v.reaches.join(", ")}` : "")}</td></tr>`).join("");
  } catch (e) {
    // An unreachable controller is reported by the overview's poll.
  }
}

// Disaster recovery (issue 17): the cloud sites the controller watches (roost serve --dr-site), from /api/dr every
// 2 s. Ages are taken against each site's own clock (its status's 'at'). Failover asks first; failback asks for the
// recovered primary's address. Both go through the controller, which forwards them to the site.
const ago = (iso, at) => (iso && at ? `${fmt((Date.parse(at) - Date.parse(iso)) / 1000, 1)} s ago` : "");
const seconds = (v) => (v === null || v === undefined ? "" : `${fmt(v, 1)} s`);
const mib = (bytes) => fmt(bytes / 1048576, 1);

async function drAction(site, vm, action) {
  const path = `/api/dr/sites/${encodeURIComponent(site)}/vms/${vm}/${action}`;
  if (action === "failover") {
    if (!confirm(`Fail vm-${vm} over at DR site ${site}? The site fences it and boots its replica.`)) { return; }
    await act("POST", path, undefined, `vm-${vm} at ${site}: failover started`);
  } else {
    const to = prompt(`Fail vm-${vm} back from DR site ${site} to the recovered primary: its ADDRESS:PORT ('roost dr failback --listen')`, "");
    if (to === null || to.trim() === "") { return; }
    await act("POST", path, { to: to.trim() }, `vm-${vm} at ${site}: failback to ${to.trim()} started`);
  }
  loadDr();
}

async function loadDr() {
  try {
    const response = await fetch("/api/dr", authHeaders());
    if (!response.ok) { return; }
    const sites = await response.json();
    $("dr-count").textContent = sites.length === 0 ? "" : `${sites.length} site${sites.length === 1 ? "" : "s"}`;
    const key = JSON.stringify(sites);
    if ($("dr").dataset.key === key) { return; }
    $("dr").dataset.key = key;
    if (sites.length === 0) {
      $("dr").innerHTML = '<tr><td class="muted">no DR sites (roost serve --dr-site NAME=ADDRESS:PORT --dr-token-file NAME=FILE)</td></tr>';
      return;
    }
    const rows = ["<tr><th>site</th><th>VM</th><th>mode</th><th>state</th><th>lag</th><th>RPO</th><th>checkpoint</th><th>contact</th><th>failover RTO</th><th>failback moved</th><th></th></tr>"];
    for (const s of sites) {
      if (s.problem) { rows.push(`<tr data-site="${esc(s.name)}"><td>${esc(s.name)}</td><td colspan="10" class="bad wrap">${esc(s.problem)}</td></tr>`); }
      const st = s.status;
      if (!st) { continue; }
      for (const v of st.vms) {
        const vm = Number(v.vm);
        const back = v.failback && v.failback.movedBytes !== null && v.failback.movedBytes !== undefined ? `${mib(v.failback.movedBytes)} of ${mib(v.failback.fullBytes)} MiB` : "";
        const cls = v.state === "protected" || v.state === "failed-back" ? "ok" : v.state === "lost" || v.state === "failed" ? "bad" : "warn";
        rows.push(`<tr data-site="${esc(s.name)}" data-vm="${vm}"><td>${esc(s.name)}</td><td>vm-${vm}</td><td>${esc(v.mode ?? "")}</td><td class="${cls}">${esc(v.state)}</td>
          <td>${v.lag ?? ""}</td><td>${seconds(v.rpoSeconds)}</td><td class="muted">${v.lastCheckpointId !== null && v.lastCheckpointId !== undefined ? `#${v.lastCheckpointId} ${ago(v.lastCheckpointAt, st.at)}` : ""}</td>
          <td class="muted">${ago(v.lastContact, st.at)}</td><td>${seconds(v.failover?.rtoSeconds)}</td><td>${back}</td>
          <td><button class="dr-failover danger" data-site="${esc(s.name)}" data-vm="${vm}">Failover</button> <button class="dr-failback" data-site="${esc(s.name)}" data-vm="${vm}">Failback</button></td></tr>`);
      }
    }
    $("dr").innerHTML = rows.join("");
    document.querySelectorAll("#dr button.dr-failover").forEach((b) => { b.onclick = () => drAction(b.dataset.site, Number(b.dataset.vm), "failover"); });
    document.querySelectorAll("#dr button.dr-failback").forEach((b) => { b.onclick = () => drAction(b.dataset.site, Number(b.dataset.vm), "failback"); });
  } catch (e) {
    // An unreachable controller is reported by the overview's poll.
  }
}

let polling = false;

async function refresh() {
  if (polling) { return; }
  polling = true;
  try {
    // A controller listening beyond loopback wants the token for reads too.
    const path = state.version === null ? "/api/overview" : `/api/overview?since=${state.version}`;
    const response = await fetch(path, authHeaders());
    if (response.status === 401) {
      $("driver").textContent = "this controller needs the bearer token to show anything: use the token button";
      return;
    }
    if (response.status === 503) {
      // A standby (or a controller taking over): say so instead of showing stale figures.
      const problem = await response.json();
      $("driver").textContent = `${problem.title.toLowerCase()}: ${problem.detail}`;
      return;
    }
    const o = await response.json();
    if (o.inventoryVersion !== state.inventoryVersion) { await loadInventory(); }
    state.overview = o;
    state.version = o.version;
    const cutoff = Date.parse(o.at) - HISTORY_MS;
    state.history = state.history.concat(o.history).filter((p) => Date.parse(p.at) > cutoff);
    renderHeader(o);
    renderHeat();
    renderPlans(o);
    renderMigrations(o);
    renderEvents(o);
    renderCharts();
    if (!state.firstRenderDone) {
      state.firstRenderDone = true;
      window.roostFirstRender = performance.now();
      document.body.dataset.rendered = "true";
    }
  } catch (e) {
    $("driver").textContent = `controller unreachable (${e.message})`;
  } finally {
    polling = false;
  }
}

$("token-button").addEventListener("click", askToken);
$("mode").addEventListener("change", (e) => setMode(e.target.value));
$("placement").addEventListener("change", (e) => setPlacement(e.target.value));
$("threshold-button").addEventListener("click", setThreshold);
$("search").addEventListener("input", renderHeat);
$("search").addEventListener("keydown", (e) => { if (e.key === "Enter") { findVm(); } });
$("filter").addEventListener("change", renderHeat);
$("metric").addEventListener("change", renderHeat);
$("heatmap").addEventListener("mouseover", hover);
$("heatmap").addEventListener("click", (e) => { const c = e.target.closest(".c"); if (c) { select(Number(c.dataset.host)); } });
showToken();
refresh();
setInterval(refresh, 1000);
setInterval(() => loadDetail(state.selected), 5000);
loadVpcs();
setInterval(loadVpcs, 5000);
loadDr();
setInterval(loadDr, 2000);
