// Drives the dashboard's "Disaster recovery" panel in headless Chromium (Debian's, through playwright-core) the way an
// operator does: enters the token, waits for a DR site's VM row, presses Failover (accepting its confirmation) and
// Failback (answering its prompt with the recovered primary's address), and waits for each to be reported done.
// Prints one JSON line: the row's cells and the two messages. What reached the site is checked by the calling test.
// Usage: node dashboard-dr.mjs URL TOKEN SITE VM FAILBACK_TO [CHROMIUM]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [url, token, site, vm, failbackTo, executablePath = "/usr/bin/chromium"] = process.argv.slice(2);
if (!url || !token || !site || !/^\d+$/.test(vm ?? "") || !failbackTo) {
  console.error("usage: node dashboard-dr.mjs URL TOKEN SITE VM FAILBACK_TO [CHROMIUM]");
  process.exit(2);
}

const profile = mkdtempSync(join(tmpdir(), "roost-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  viewport: { width: 1440, height: 900 },
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
try {
  const page = context.pages()[0] ?? await context.newPage();
  page.setDefaultTimeout(30_000);
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(url);

  page.once("dialog", (dialog) => dialog.accept(token));
  await page.click("#token-button");
  await page.waitForFunction(() => document.getElementById("token-state").textContent === "token set");

  const row = page.locator(`#dr tr[data-site="${site}"][data-vm="${vm}"]`);
  await row.waitFor();
  const cells = (await row.locator("td").allTextContents()).map((c) => c.trim());

  page.once("dialog", (dialog) => dialog.accept());
  await row.locator("button.dr-failover").click();
  await page.waitForFunction(() => /failover started$/.test(document.getElementById("message").textContent));
  const failover = await page.textContent("#message");

  page.once("dialog", (dialog) => dialog.accept(failbackTo));
  await page.locator(`#dr tr[data-site="${site}"][data-vm="${vm}"] button.dr-failback`).click();
  await page.waitForFunction(() => /failback to .* started$/.test(document.getElementById("message").textContent));
  const failback = await page.textContent("#message");

  if (errors.length > 0) { throw new Error(`page errors: ${errors.join("; ")}`); }
  console.log(JSON.stringify({ cells, failover, failback }));
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
