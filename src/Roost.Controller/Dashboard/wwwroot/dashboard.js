// Roost dashboard: polls /api/overview every second and redraws. No build step, no dependencies.
"use strict";

const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

function heat(fraction) {
  // 0 → dark green, 0.5 → yellow, ≥ 0.9 → red.
  const f = Math.max(0, Math.min(1, fraction));
  const hue = 130 - 130 * Math.min(1, f / 0.9);
  return `hsl(${hue}, 70%, ${22 + 28 * f}%)`;
}

function token() { return localStorage.getItem("roost-token"); }

function askToken() {
  const t = prompt("Bearer token (the file 'token' in the controller's data directory):", token() || "");
  if (t !== null) { localStorage.setItem("roost-token", t.trim()); }
  showToken();
}

function showToken() { $("token-state").textContent = token() ? "token set" : "read-only"; }

async function decide(id, decision) {
  if (!token()) { askToken(); if (!token()) { return; } }
  const response = await fetch(`/api/plans/${id}/${decision}`, { method: "POST", headers: { Authorization: `Bearer ${token()}` } });
  if (response.status === 401) { alert("The token was refused."); localStorage.removeItem("roost-token"); showToken(); return; }
  if (!response.ok) { const p = await response.json().catch(() => ({})); alert(p.detail || response.statusText); }
  refresh();
}

function renderHosts(hosts, vms) {
  const byHost = new Map();
  for (const vm of vms) {
    if (vm.host === null || vm.host === undefined) { continue; }
    if (!byHost.has(vm.host)) { byHost.set(vm.host, []); }
    byHost.get(vm.host).push(vm);
  }
  $("hosts").innerHTML = hosts.map((h) => {
    const cpu = h.usage.cpuCores / h.capacity.cpuCores, mem = h.usage.memoryMiB / h.capacity.memoryMiB, net = h.usage.networkMbps / h.capacity.networkMbps;
    const list = (byHost.get(h.id) || []).map((v) =>
      `<span class="vm${v.migratingTo !== null && v.migratingTo !== undefined ? " moving" : ""}" title="vm-${v.id} ${esc(v.name)}: ${v.usage ? v.usage.cpuCores.toFixed(2) : "?"} of ${v.allocation.cpuCores} cores${v.migratingTo != null ? " → host-" + v.migratingTo : ""}"></span>`).join("");
    const bar = (label, f) => `<div class="bar">${label}<span class="cell" style="background:${heat(f)}" title="${(100 * f).toFixed(0)} %"></span>${(100 * f).toFixed(0).padStart(3)}%</div>`;
    return `<div class="host${h.hot ? " hot" : ""}${h.maintenance ? " maint" : ""}" data-host="${h.id}">
      <div class="name"><span>${esc(h.name)}</span>${h.problem ? `<span class="problem" title="${esc(h.problem)}">unreachable</span>` : ""}<span class="muted">${h.powerWatts.toFixed(0)} W</span></div>
      ${bar("cpu", cpu)}${bar("mem", mem)}${bar("net", net)}<div class="vms">${list}</div></div>`;
  }).join("");
}

function renderChart(history) {
  const svg = $("chart");
  if (history.length < 2) { svg.innerHTML = ""; return; }
  const w = 600, h = 120, n = history.length;
  const x = (i) => (i / (n - 1)) * w;
  const maxHot = Math.max(1, ...history.map((t) => t.hotHosts));
  const maxMig = Math.max(1, ...history.map((t) => t.migrations));
  const maxPower = Math.max(1, ...history.map((t) => t.powerWatts));
  const line = (f, color) => `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${history.map((t, i) => `${x(i).toFixed(1)},${(h - 4 - f(t) * (h - 8)).toFixed(1)}`).join(" ")}"/>`;
  const bars = history.map((t, i) => t.migrations > 0 ? `<rect x="${x(i) - 1}" y="${h - (t.migrations / maxMig) * 40}" width="2" height="${(t.migrations / maxMig) * 40}" fill="#ffc94d"/>` : "").join("");
  svg.innerHTML = bars + line((t) => t.meanCpu, "#4c8bf5") + line((t) => t.hotHosts / maxHot, "#ff5a4e") + line((t) => t.powerWatts / maxPower, "#7bd88f");
}

function renderPlans(plans) {
  $("plans").innerHTML = plans.length === 0 ? '<span class="muted">none (automatic mode executes plans at once; set mode manual to review them)</span>'
    : plans.map((p) => `<div class="plan" data-plan="${p.id}"><b>plan ${p.id}</b> ${esc(p.source)}: ${esc(p.summary)}
        <button class="approve" onclick="decide(${p.id}, 'approve')">Approve</button>
        <button class="reject" onclick="decide(${p.id}, 'reject')">Reject</button>
        <ul>${p.actions.map((a) => `<li>${a.kind} vm-${a.vm} host-${a.fromHost} → host-${a.toHost}</li>`).join("")}</ul></div>`).join("");
}

function renderMigrations(migrations) {
  $("migrations").innerHTML = "<tr><th>#</th><th>VM</th><th>from → to</th><th>status</th><th>started</th><th>report</th></tr>" + migrations.map((m) =>
    `<tr><td>${m.id}</td><td>vm-${m.vm}</td><td>host-${m.fromHost} → host-${m.toHost}</td>
     <td class="${m.status === "succeeded" ? "ok" : m.status === "failed" || m.status === "cancelled" ? "bad" : ""}">${m.status}</td>
     <td class="muted">${m.startedAt ? new Date(m.startedAt).toLocaleTimeString() : ""}</td>
     <td class="muted">${esc(m.outcome ?? "")}</td></tr>`).join("");
}

function renderEvents(events) {
  $("events").innerHTML = events.map((e) => `<tr><td class="muted">${new Date(e.at).toLocaleTimeString()}</td><td>${esc(e.kind)}</td><td>${esc(e.message)}</td></tr>`).join("");
}

async function refresh() {
  try {
    // A controller listening beyond loopback wants the token for reads too.
    const response = await fetch("/api/overview", token() ? { headers: { Authorization: `Bearer ${token()}` } } : {});
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
    $("driver").textContent = o.driver;
    $("mode").textContent = o.settings.mode;
    const s = o.clockSeconds;
    $("clock").textContent = `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}`;
    $("active").textContent = `${o.hosts.filter((h) => h.vmCount > 0).length} / ${o.hosts.length}`;
    $("hot").textContent = o.hosts.filter((h) => h.hot).length;
    $("power").textContent = `${(o.hosts.reduce((a, h) => a + h.powerWatts, 0) / 1000).toFixed(2)} kW`;
    renderHosts(o.hosts, o.vms);
    renderChart(o.history);
    renderPlans(o.pendingPlans);
    renderMigrations(o.migrations);
    renderEvents(o.events);
  } catch (e) {
    $("driver").textContent = "controller unreachable";
  }
}

$("token-button").addEventListener("click", askToken);
showToken();
refresh();
setInterval(refresh, 1000);
