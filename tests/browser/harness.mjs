// What every test of this folder needs of taskapi: the binary in a clean environment, its CLI, a
// served instance stopped gracefully, and the cleanups run however the test ends.
// Environment: TASKAPI_BIN (the binary, absolute), TASKAPI_TEST_POSTGRES_URL (optional: run on
// that PostgreSQL database instead of a SQLite file).
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const bin = process.env.TASKAPI_BIN;
export const postgresUrl = process.env.TASKAPI_TEST_POSTGRES_URL || "";
export const backend = postgresUrl ? "postgresql" : "sqlite";
const secretKey = "taskapi-browser-test-signing-key-0123456789abcdef";

// Run in reverse order when the test ends, whether it passed or not.
export const cleanups = [];

export function check(condition, message) {
  if (!condition) throw new Error(message);
}

// A clean environment, as the API tests give the server, but for the sanitizers' options (a
// sanitizer build's report must fail the run: see stop()).
export function baseEnv(dir) {
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

export function runCli(dir, args, input) {
  const res = spawnSync(bin, args, { cwd: dir, env: baseEnv(dir), input, encoding: "utf8", timeout: 60000 });
  check(res.status === 0, `taskapi ${args.join(" ")} failed (${res.status}): ${res.stderr}`);
}

// A working directory (removed at the end) with the schema migrated and one user. On a shared
// PostgreSQL database the user needs a name of its own: `username` should be unique.
export function prepare(prefix, username, password) {
  check(bin && path.isAbsolute(bin), "TASKAPI_BIN must name the taskapi binary by an absolute path");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  runCli(dir, ["migrate"]);
  runCli(dir, ["createuser", username, "--password-stdin"], password + "\n");
  return dir;
}

// `taskapi serve` on a free port; resolves with its base URL once it logs that it listens, and
// stop(), which sends SIGTERM and checks that the server exits 0 (a graceful stop).
export function startTaskapi(dir, extraEnv = {}) {
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

// Runs the test, then every cleanup; exits 0 when the test passed.
export async function runMain(main) {
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
}
