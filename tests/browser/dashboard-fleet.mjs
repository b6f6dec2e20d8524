// Loads the controller's dashboard in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core) at
// 1440x900 and measures it: first render (navigation start to the heat map drawn with every host), the bytes of every
// /api/overview answer, whether the pending plans and the migration log are on screen without scrolling, the time a
// search takes to redraw, and the main thread's long tasks (> 50 ms) while polling. With "exercise" it then presses
// every operator button the way an operator does (token, mode, threshold, maintenance on and off, migrate, approve,
// reject) and checks each one's effect through the API before the next.
// Prints one JSON line. Timings are reported, never judged here.
// Usage: node dashboard-fleet.mjs URL TOKEN EXPECTED_HOSTS measure|exercise [CHROMIUM]
// Env: SCREENSHOT=FILE saves the page after the first render.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [url, token, expectedHostsText, mode = "measure", executablePath = "/usr/bin/chromium"] = process.argv.slice(2);
const expectedHosts = Number(expectedHostsText);
if (!url || !token || !Number.isInteger(expectedHosts) || !["measure", "exercise"].includes(mode)) {
  console.error("usage: node dashboard-fleet.mjs URL TOKEN EXPECTED_HOSTS measure|exercise [CHROMIUM]");
  process.exit(2);
}

const base = url.replace(/\/$/, "");
const api = async (path, init = {}) => {
  const response = await fetch(base + path, { ...init, headers: { Authorization: `Bearer ${token}`, ...(init.headers ?? {}) } });
  if (!response.ok) { throw new Error(`${init.method ?? "GET"} ${path}: ${response.status} ${await response.text()}`); }
  return response.json();
};

/** Polls the API until check(value) holds (30 s at most): the dashboard's action must show in the controller's state. */
async function until(what, read, check) {
  const deadline = Date.now() + 30_000;
  let last;
  while (Date.now() < deadline) {
    last = await read();
    if (check(last)) { return last; }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what}: not seen through the API within 30 s (last: ${JSON.stringify(last).slice(0, 300)})`);
}

const profile = mkdtempSync(join(tmpdir(), "roost-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  viewport: { width: 1440, height: 900 },
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
const result = { hosts: 0 };
try {
  const page = context.pages()[0] ?? await context.newPage();
  page.setDefaultTimeout(30_000);
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const overviewBytes = [];
  const inventoryBytes = [];
  page.on("response", async (r) => {
    const path = new URL(r.url()).pathname;
    if (path === "/api/overview" || path === "/api/overview/hosts") {
      const body = await r.body().catch(() => null);
      if (body !== null) { (path === "/api/overview" ? overviewBytes : inventoryBytes).push(body.length); }
    }
  });
  await page.addInitScript(() => {
    window.roostLongTasks = [];
    new PerformanceObserver((list) => { for (const e of list.getEntries()) { window.roostLongTasks.push(e.duration); } }).observe({ type: "longtask", buffered: true });
  });

  await page.goto(url);
  await page.waitForFunction((n) => document.body.dataset.rendered === "true" && document.querySelectorAll("#heatmap .c").length === n, expectedHosts);
  result.hosts = await page.locator("#heatmap .c").count();
  result.firstRenderMs = Math.round(await page.evaluate(() => window.roostFirstRender));
  result.driverBadge = await page.textContent("#kind");
  if (process.env.SCREENSHOT) { await page.screenshot({ path: process.env.SCREENSHOT }); }
  // On screen without scrolling: the top of each panel lies inside the 900-pixel-high viewport.
  result.visibleWithoutScrolling = await page.evaluate(() => Object.fromEntries(["heatmap", "plans", "log", "detail", "chart-cpu"].map((id) => {
    const r = document.getElementById(id).getBoundingClientRect();
    return [id, r.top >= 0 && r.top < window.innerHeight && r.left < window.innerWidth];
  })));

  // Steady state: a few more polls (each asks only for history since the previous answer).
  const polls = overviewBytes.length;
  while (overviewBytes.length < polls + 4) { await page.waitForTimeout(250); }

  // Responsiveness: a search redraws all 1,000 cells; long tasks while polling.
  result.searchMs = await page.evaluate(async () => {
    const search = document.getElementById("search");
    const start = performance.now();
    search.value = "1";
    search.dispatchEvent(new Event("input"));
    await new Promise((r) => requestAnimationFrame(() => r()));
    const took = performance.now() - start;
    search.value = "";
    search.dispatchEvent(new Event("input"));
    return Math.round(took * 10) / 10;
  });
  const tasks = await page.evaluate(() => window.roostLongTasks.slice(1));
  result.longTasksAfterFirstRender = { count: tasks.length, maxMs: Math.round(Math.max(0, ...tasks)) };

  if (mode === "exercise") {
    result.actions = await exercise(page);
    while (overviewBytes.length < polls + 8) { await page.waitForTimeout(250); }
  }

  result.overviewBytes = overviewBytes;
  result.inventoryBytes = inventoryBytes;
  if (errors.length > 0) {
    throw new Error(`page errors: ${errors.join("; ")}`);
  }

  console.log(JSON.stringify(result));
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}

async function exercise(page) {
  const done = { phaseMs: {} };
  let mark = Date.now();
  const phase = (name) => { done.phaseMs[name] = Date.now() - mark; mark = Date.now(); };

  // The token, the way an operator enters it: the "Set token" button opens a prompt.
  page.once("dialog", (dialog) => dialog.accept(token));
  await page.click("#token-button");
  await page.waitForFunction(() => document.getElementById("token-state").textContent === "token set");
  phase("token");

  // The threshold from the header.
  await page.fill("#threshold", "0.6");
  await page.click("#threshold-button");
  done.threshold = (await until("threshold 0.6", () => api("/api/settings"), (s) => s.threshold === 0.6)).threshold;
  phase("settings");

  // A host found by searching its name and opened with a click.
  const inventory = await api("/api/overview/hosts");
  const overview = await api("/api/overview");
  const busy = overview.heat.ids.filter((id, k) => overview.heat.vmCount[k] > 0 && !overview.heat.maintenance.includes(id) && !overview.heat.migrating.includes(id));
  const hostId = busy[Math.floor(busy.length / 2)];
  const hostName = inventory.names[inventory.ids.indexOf(hostId)];
  await page.fill("#search", hostName);
  const cell = page.locator(`#heatmap .c[data-host="${hostId}"]`);
  if ((await cell.getAttribute("class")).includes(" out")) { throw new Error(`searching '${hostName}' dimmed its own cell`); }
  await cell.click();
  await page.waitForFunction((name) => document.getElementById("detail-name").textContent.startsWith(name + " "), hostName);
  await page.fill("#search", "");

  // Migrate the host's first running VM to the least loaded other host, typed by name in the VM's row.
  const vms = await api(`/api/vms?host=${hostId}&state=running`);
  const vm = vms[0];
  const k = overview.heat.ids
    .map((id, i) => ({ id, i }))
    .filter(({ id }) => id !== hostId && !overview.heat.maintenance.includes(id) && !overview.heat.unreachable.includes(id))
    .sort((a, b) => (overview.heat.memoryPercent[a.i] + overview.heat.cpuPercent[a.i]) - (overview.heat.memoryPercent[b.i] + overview.heat.cpuPercent[b.i]) || a.id - b.id)[0];
  const targetName = inventory.names[inventory.ids.indexOf(k.id)];
  const row = page.locator(`#detail-body tr[data-vm="${vm.id}"]`);
  await row.locator("input.migrate-target").fill(targetName);
  await row.locator("button.migrate").click();
  const action = await until("migration requested", () => api("/api/migrations?limit=50"), (list) => list.some((a) => a.vm === vm.id && a.toHost === k.id));
  const actionId = action.find((a) => a.vm === vm.id && a.toHost === k.id).id;
  // The migration log names the VM and both hosts as the operator knows them.
  const logged = await page.waitForFunction((id) => {
    const row = document.querySelector(`#migrations tr[data-action="${id}"]`);
    return row && Array.from(row.cells).map((c) => c.textContent.trim()).join(" | ");
  }, actionId).then((h) => h.jsonValue());
  phase("migrate");
  done.migrate = { vm: vm.id, vmName: vm.name, to: k.id, toName: targetName, action: actionId, logRow: logged };
  done.migrate.from = hostName;

  // The same host into maintenance and out again.
  await page.click("#maintenance-button");
  await until("maintenance on", () => api(`/api/hosts/${hostId}`), (h) => h.maintenance === true);
  await page.waitForFunction(() => document.getElementById("maintenance-button").textContent === "Leave maintenance");
  await page.click("#maintenance-button");
  await until("maintenance off", () => api(`/api/hosts/${hostId}`), (h) => h.maintenance === false);
  done.maintenance = { host: hostName, entered: true, left: true };
  phase("maintenance");

  // Reject one pending plan and approve the next (manual mode: Sandpiper's plans wait for an operator, and it plans
  // again once nothing is pending).
  done.rejected = await decideFirst(page, "reject", null);
  phase("reject");
  done.approved = await decideFirst(page, "approve", done.rejected);
  phase("approve");

  // The mode from the header, to automatic and back (last: in automatic mode the loop approves its own plans).
  const modes = [];
  for (const mode of ["automatic", "manual"]) {
    await page.selectOption("#mode", mode);
    modes.push((await until(`mode ${mode}`, () => api("/api/settings"), (s) => s.mode === mode)).mode);
  }
  done.modes = modes;
  phase("mode");
  return done;
}

async function decideFirst(page, decision, notId) {
  const plan = page.locator(notId === null ? "#plans .plan" : `#plans .plan:not([data-plan="${notId}"])`).first();
  await plan.waitFor({ timeout: 60_000 });
  const id = Number(await plan.getAttribute("data-plan"));
  await plan.locator(`button.${decision}`).click();
  const wanted = decision === "approve" ? ["approved", "executing", "completed"] : ["rejected"];
  await until(`plan ${id} ${decision}`, () => api(`/api/plans/${id}`), (p) => wanted.includes(p.status));
  return id;
}
