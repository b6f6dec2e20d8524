// Loads the controller's dashboard in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core),
// checks it shows the expected number of hosts, enters the bearer token through the dashboard's "Set token" prompt,
// and clicks Approve on the first pending plan. Prints one JSON line: {"hosts": N, "approved": PLAN_ID}.
// Usage: node dashboard-approve.mjs URL TOKEN EXPECTED_HOSTS [CHROMIUM]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [url, token, expectedHosts, executablePath = "/usr/bin/chromium"] = process.argv.slice(2);
if (!url || !token || !expectedHosts) {
  console.error("usage: node dashboard-approve.mjs URL TOKEN EXPECTED_HOSTS [CHROMIUM]");
  process.exit(2);
}

const profile = mkdtempSync(join(tmpdir(), "roost-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
try {
  const page = context.pages()[0] ?? await context.newPage();
  page.setDefaultTimeout(30_000);
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(url);

  // The heat map shows every host once the first /api/overview poll has answered.
  await page.waitForFunction((n) => document.querySelectorAll("#hosts .host").length === n, Number(expectedHosts));
  const hosts = await page.locator("#hosts .host").count();

  // Enter the token the way an operator does: the "Set token" button opens a prompt.
  page.once("dialog", (dialog) => dialog.accept(token));
  await page.click("#token-button");
  await page.waitForFunction(() => document.getElementById("token-state").textContent === "token set");

  // Approve the first pending plan and wait for the dashboard to drop it from the pending list.
  const plan = page.locator("#plans .plan").first();
  await plan.waitFor();
  const id = Number(await plan.getAttribute("data-plan"));
  const answered = page.waitForResponse((r) => r.url().endsWith(`/api/plans/${id}/approve`));
  await plan.locator("button.approve").click();
  const response = await answered;
  if (!response.ok()) {
    throw new Error(`approve answered ${response.status()}: ${await response.text()}`);
  }

  if (errors.length > 0) {
    throw new Error(`page errors: ${errors.join("; ")}`);
  }

  console.log(JSON.stringify({ hosts, approved: id }));
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
