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
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = process.env.TASKAPI_BIN;
const chromiumPath = process.env.TASKAPI_CHROMIUM || "/usr/bin/chromium";
const outDir = process.env.TASKAPI_BROWSER_OUT || fs.mkdtempSync(path.join(os.tmpdir(), "taskapi-browser-out-"));
const postgresUrl = process.env.TASKAPI_TEST_POSTGRES_URL || "";
const backend = postgresUrl ? "postgresql" : "sqlite";
const secretKey = "taskapi-browser-test-signing-key-0123456789abcdef";
// A name of its own, so that a shared PostgreSQL database may already hold other users.
const username = "spa" + process.pid + "x" + Date.now();
const password = "browser-password-1";

const cleanups = [];

function check(condition, message) {
  if (!condition) throw new Error(message);
}

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

// A clean environment, as the API tests give the server, but for the sanitizers' options (a
// sanitizer build's report must fail the run: see stop()).
function baseEnv(dir) {
  const env = {
    PATH: process.env.PATH,
    TASKAPI_SECRET_KEY: secretKey,
    TASKAPI_DATABASE_URL: postgresUrl || "sqlite:///" + path.join(dir, "db.sqlite3"),
  };
  for (const name of ["ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS"]) {
    if (process.env[name]) env[name] = process.env[name];
  }
  return env;
}

function runCli(dir, args, input) {
  const res = spawnSync(bin, args, { cwd: dir, env: baseEnv(dir), input, encoding: "utf8", timeout: 60000 });
  check(res.status === 0, `taskapi ${args.join(" ")} failed (${res.status}): ${res.stderr}`);
}

// `taskapi serve` on a free port; resolves with its base URL once it logs that it listens, and
// stop(), which sends SIGTERM and checks that the server exits 0 (a graceful stop).
function startTaskapi(dir, extraEnv) {
  const proc = spawn(bin, ["serve", "--host", "127.0.0.1", "--port", "0", "--threads", "2"], {
    cwd: dir, env: { ...baseEnv(dir), ...extraEnv }, stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise((resolve) => proc.once("exit", (code, signal) => resolve({ code, signal })));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
    const { code, signal } = await exited;
    check(code === 0, `taskapi exited with ${code ?? signal} on SIGTERM:\n${output}`);
  };
  cleanups.push(() => stop().catch(() => {}));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("taskapi did not start:\n" + output)), 20000);
    const onData = (chunk) => {
      output += chunk;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], stop });
      }
    };
    proc.stdout.on("data", onData);
    proc.stderr.on("data", onData);
    proc.once("exit", (code) => reject(new Error(`taskapi exited (${code}):\n${output}`)));
  });
}

async function main() {
  check(bin && path.isAbsolute(bin), "TASKAPI_BIN must name the taskapi binary by an absolute path");
  check(fs.existsSync(chromiumPath), `${chromiumPath} is missing (Debian's chromium: ./scripts/deps)`);
  fs.mkdirSync(outDir, { recursive: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "taskapi-browser-"));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  runCli(dir, ["migrate"]);
  runCli(dir, ["createuser", username, "--password-stdin"], password + "\n");

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

let status = 0;
try {
  await main();
} catch (e) {
  console.error("FAILED:", e && e.stack ? e.stack : e);
  status = 1;
} finally {
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch (e) {
      console.error("cleanup:", e);
    }
  }
}
process.exit(status);
