// Swagger UI end to end: the documentation page that taskapi serves at /api/docs/ loads in
// Debian's headless Chromium (driven by playwright-core), lists every operation of
// /api/schema/, takes a real access token through "Authorize", and "Try it out" answers 200 on
// GET /api/health/ (public) and on GET /api/me/ (401 before "Authorize", 200 after). Along the
// way: no request leaves for another host, and the console stays free of errors (a
// Content-Security-Policy violation is one), but for the one 401 that the test asks for.
// (Swagger UI's validator badge, which calls validator.swagger.io, stays hidden on 127.0.0.1
// anyway; test_docs.py checks that the initializer switches it off.)
// Environment: TASKAPI_BIN (the binary, absolute), TASKAPI_BROWSER_OUT (where the screenshots
// go), TASKAPI_TEST_POSTGRES_URL (optional: run on that PostgreSQL database instead of SQLite),
// TASKAPI_CHROMIUM (default /usr/bin/chromium). Exits 0 when every check passes.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { chromium } from "playwright-core";
import { backend, check, cleanups, prepare, runMain, startTaskapi } from "./harness.mjs";

const chromiumPath = process.env.TASKAPI_CHROMIUM || "/usr/bin/chromium";
const outDir = process.env.TASKAPI_BROWSER_OUT || fs.mkdtempSync(path.join(os.tmpdir(), "taskapi-browser-out-"));
// A name of its own, so that a shared PostgreSQL database may already hold other users.
const username = "docs" + process.pid + "x" + Date.now();
const password = "browser-password-1";
// Playwright waits this long at most for what the page shows (the bundle is 1.7 MB of script).
const uiTimeout = 30000;

// The operation block of `method` `apiPath` (Swagger UI renders one per operation and tag).
function operation(page, method, apiPath) {
  return page.locator(`.opblock.opblock-${method}`)
    .filter({ has: page.locator(`.opblock-summary-path[data-path="${apiPath}"]`) })
    .first();
}

// "Execute" in an operation that is in "Try it out" mode, after clearing an earlier answer;
// returns the status code the UI shows.
async function execute(block) {
  const live = block.locator(".live-responses-table");
  if (await live.count() > 0) {
    await block.locator("button.btn-clear").click();
    await live.first().waitFor({ state: "detached", timeout: uiTimeout });
  }
  await block.locator("button.execute").click();
  const status = block.locator(".live-responses-table tbody .response .response-col_status").first();
  await status.waitFor({ timeout: uiTimeout });
  return (await status.innerText()).trim();
}

// Expands the operation, "Try it out", "Execute"; returns the block and the status code shown.
async function tryItOut(page, method, apiPath) {
  const block = operation(page, method, apiPath);
  await block.locator(".opblock-summary").first().click();
  await block.locator("button.try-out__btn").click();
  return { block, status: await execute(block) };
}

// The response body the UI shows under the operation's live response.
async function shownBody(block) {
  const body = block.locator(".live-responses-table .response-col_description .highlight-code").first();
  await body.waitFor({ timeout: uiTimeout });
  return await body.textContent();
}

async function main() {
  check(fs.existsSync(chromiumPath), `${chromiumPath} is missing (Debian's chromium: ./scripts/deps)`);
  fs.mkdirSync(outDir, { recursive: true });
  const dir = prepare("taskapi-browser-", username, password);
  const server = await startTaskapi(dir);
  const serverOrigin = new URL(server.url).origin;

  // What the page must list: every operation of the schema, as the server describes itself.
  const schemaAnswer = await fetch(server.url + "/api/schema/");
  assert.equal(schemaAnswer.status, 200);
  const schema = await schemaAnswer.json();
  const methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
  const expected = [];
  for (const [apiPath, item] of Object.entries(schema.paths)) {
    for (const method of methods) if (item[method]) expected.push(`${method} ${apiPath}`);
  }
  check(expected.includes("get /api/health/") && expected.includes("get /api/me/"),
        "the schema lacks GET /api/health/ or GET /api/me/: " + expected.join(", "));

  // A real access token, from the login endpoint.
  const login = await fetch(server.url + "/api/auth/token/", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  assert.equal(login.status, 200);
  const { access } = await login.json();

  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "taskapi-chromium-"));
  cleanups.push(() => fs.rmSync(profile, { recursive: true, force: true }));
  // Debian's browser, never a downloaded build; a fresh profile; nothing that talks to the
  // network by itself.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  cleanups.push(() => context.close());

  // Every request the page makes: one to anywhere but the server is refused and fails the test.
  const requests = [];
  const foreign = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("data:") || new URL(url).origin === serverOrigin) return route.continue();
    foreign.push(url);
    return route.abort();
  });
  const page = context.pages()[0] || await context.newPage();
  page.on("request", (request) => requests.push(request));
  const errors = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push("console: " + message.text());
  });
  page.on("pageerror", (error) => errors.push("page: " + error.message));

  const docs = await page.goto(server.url + "/api/docs/");
  assert.equal(docs.status(), 200);
  check((docs.headers()["content-security-policy"] || "").includes("script-src 'self'"),
        "the page is sent with its Content-Security-Policy");

  // 1. The operations: each one of the schema is listed, and nothing else.
  await page.locator(".opblock").first().waitFor({ timeout: uiTimeout });
  const listed = await page.locator(".opblock").evaluateAll((blocks) => blocks.map((b) =>
    b.querySelector(".opblock-summary-method").textContent.toLowerCase() + " " +
    b.querySelector(".opblock-summary-path").getAttribute("data-path")));
  assert.deepEqual([...new Set(listed)].sort(), [...expected].sort());
  await page.screenshot({ path: path.join(outDir, `swagger-ui-${backend}.png`), fullPage: true });

  // 2. Without a token, GET /api/me/ is refused. Chromium logs the 401 as a failed resource:
  // the one console error this test expects.
  const me = await tryItOut(page, "get", "/api/me/");
  assert.equal(me.status, "401");
  const refusal = errors.findIndex((e) => /status of 401/.test(e));
  check(refusal >= 0, "Chromium logged the 401: " + errors.join("\n"));
  errors.splice(refusal, 1);

  // 3. "Authorize" with the bearer token.
  await page.locator(".auth-wrapper button.authorize").click();
  const modal = page.locator(".dialog-ux .modal-ux");
  await modal.locator('input[aria-label="auth-bearer-value"]').first().fill(access);
  await modal.locator("button.modal-btn.auth.authorize").first().click();
  await modal.locator("button.btn-done").first().click();
  await modal.waitFor({ state: "detached", timeout: uiTimeout });
  check(await page.locator(".auth-wrapper button.authorize.locked").count() === 1,
        "the Authorize button shows the lock once a token is given");

  // 4. "Try it out" on the public health check.
  const health = await tryItOut(page, "get", "/api/health/");
  assert.equal(health.status, "200");
  const healthShown = await shownBody(health.block);
  check(healthShown.includes('"status": "ok"'), "the health answer is shown: " + healthShown);

  // 5. ... and GET /api/me/ again, now with the token: 200 with the user's name.
  assert.equal(await execute(me.block), "200");
  const meShown = await shownBody(me.block);
  check(meShown.includes(`"username": "${username}"`), "the answer of /api/me/ names the user: " + meShown);
  const meRequests = requests.filter((r) => new URL(r.url()).pathname === "/api/me/");
  assert.deepEqual(meRequests.map((r) => r.headers()["authorization"]), [undefined, "Bearer " + access],
                   "GET /api/me/ was sent without, then with the token");
  await me.block.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(outDir, `swagger-ui-try-${backend}.png`), fullPage: true });

  assert.deepEqual(foreign, [], "requests to other hosts");
  assert.deepEqual(errors, [], "console errors");
  const assets = requests.map((r) => new URL(r.url()).pathname).filter((p) => p.startsWith("/api/docs/"));
  check(assets.includes("/api/docs/swagger-ui-bundle.js") && assets.includes("/api/docs/swagger-ui.css"),
        "the page loads Swagger UI from the server: " + assets.join(", "));
  await server.stop();
  console.log(`ok: Swagger UI at /api/docs/ lists the ${expected.length} operations, authorizes ` +
              `with a bearer token and tries GET /api/health/ and GET /api/me/ (${backend}); ` +
              `screenshots in ${outDir}`);
}

await runMain(main);
