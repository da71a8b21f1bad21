// CORS end to end: a page served from one origin uses fetch() to log in and manage tasks on a
// taskapi at another origin, in Debian's headless Chromium driven by playwright-core.
//  1. taskapi with TASKAPI_CORS_ALLOWED_ORIGINS set to the page's origin: every call works.
//  2. the same page against a taskapi without the setting: the browser refuses the answer (the
//     preflight gets no Access-Control-Allow-Origin), so fetch() rejects, although the server
//     is up and answers the same request from outside a browser.
// Environment: TASKAPI_BIN (the binary, absolute), TASKAPI_BROWSER_OUT (where the screenshots
// go), TASKAPI_TEST_POSTGRES_URL (optional: run on that PostgreSQL database instead of SQLite),
// TASKAPI_CHROMIUM (default /usr/bin/chromium). Exits 0 when every check passes.
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";
import { backend, check, cleanups, prepare, runMain, startTaskapi } from "./harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const chromiumPath = process.env.TASKAPI_CHROMIUM || "/usr/bin/chromium";
const outDir = process.env.TASKAPI_BROWSER_OUT || fs.mkdtempSync(path.join(os.tmpdir(), "taskapi-browser-out-"));
// A name of its own, so that a shared PostgreSQL database may already hold other users.
const username = "spa" + process.pid + "x" + Date.now();
const password = "browser-password-1";

// A static server for the page: the page's origin, http://127.0.0.1:<port A>.
async function startPageServer() {
  const page = fs.readFileSync(path.join(here, "page.html"));
  const server = http.createServer((req, res) => {
    if (req.url === "/" || req.url === "/index.html") {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      res.end(page);
    } else {
      res.writeHead(404, { "Content-Type": "text/plain" });
      res.end("not found");
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return "http://127.0.0.1:" + server.address().port;
}

async function main() {
  check(fs.existsSync(chromiumPath), `${chromiumPath} is missing (Debian's chromium: ./scripts/deps)`);
  fs.mkdirSync(outDir, { recursive: true });
  const dir = prepare("taskapi-browser-", username, password);

  const origin = await startPageServer();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "taskapi-chromium-"));
  cleanups.push(() => fs.rmSync(profile, { recursive: true, force: true }));
  // Debian's browser, never a downloaded build; a fresh profile (the user data directory);
  // nothing that talks to the network by itself.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  cleanups.push(() => context.close());
  const page = context.pages()[0] || await context.newPage();
  const consoleLines = [];
  page.on("console", (message) => consoleLines.push(message.text()));

  // 1. Allowed: every step answers as it would same-origin.
  const allowed = await startTaskapi(dir, { TASKAPI_CORS_ALLOWED_ORIGINS: origin });
  check(new URL(allowed.url).origin !== origin, "the API must be on another origin than the page");
  await page.goto(origin + "/");
  const steps = await page.evaluate(([api, u, p]) => run(api, u, p), [allowed.url, username, password]);
  assert.equal(steps.login.status, 200);
  assert.deepEqual(Object.keys(steps.login.body), ["refresh", "access"]);
  assert.equal(steps.create.status, 201);
  assert.equal(steps.create.body.title, "Buy milk");
  assert.equal(steps.create.body.completed, false);
  const id = steps.create.body.id;
  assert.equal(steps.list.status, 200);
  assert.deepEqual(steps.list.body.map((t) => t.id), [id]);
  assert.equal(steps.update.status, 200);
  assert.equal(steps.update.body.id, id);
  assert.equal(steps.update.body.completed, true);
  assert.equal(steps.remove.status, 204);
  assert.equal(steps.remove.body, null);
  assert.equal(steps.after.status, 200);
  assert.deepEqual(steps.after.body, []);
  await page.screenshot({ path: path.join(outDir, `cors-allowed-${backend}.png`), fullPage: true });
  await allowed.stop();

  // 2. Not allowed: the server answers (checked from outside a browser), the browser refuses.
  const refused = await startTaskapi(dir, {});
  const direct = await fetch(refused.url + "/api/auth/token/", {
    method: "POST", headers: { "Content-Type": "application/json", Origin: origin },
    body: JSON.stringify({ username, password }),
  });
  assert.equal(direct.status, 200, "outside a browser the login works");
  assert.equal(direct.headers.get("access-control-allow-origin"), null);
  consoleLines.length = 0;
  await page.goto(origin + "/");
  await assert.rejects(
    page.evaluate(([api, u, p]) => run(api, u, p), [refused.url, username, password]),
    /POST \/api\/auth\/token\/ refused: TypeError: Failed to fetch/);
  check(consoleLines.some((line) => line.includes("blocked by CORS policy")),
        "Chromium names CORS as the reason:\n" + consoleLines.join("\n"));
  const log = await page.locator("#log").innerText();
  check(log.includes("refused by the browser"), "the page shows the refusal: " + log);
  await page.screenshot({ path: path.join(outDir, `cors-refused-${backend}.png`), fullPage: true });
  console.log(`ok: cross-origin CRUD works with TASKAPI_CORS_ALLOWED_ORIGINS=${origin} and is ` +
              `refused without it (${backend}); screenshots in ${outDir}`);
}

await runMain(main);
