// The OpenAPI document of GET /api/schema/ against the OpenAPI 3.1 meta-schema, and the server's
// real answers against the document, so that it cannot describe what the server does not do.
//  1. taskapi as configured by default; 2. with TASKAPI_PAGE_SIZE, registration and refresh
//     token rotation on (the envelope, the register operation, the rotated refresh token).
// In each: the JSON and the YAML (?format=yaml) are the same document and both valid for
// @seriousme/openapi-schema-validator; then login, refresh, verify, me, health, ready, the API
// root, the task operations and their errors are called for real, and each answer's status must
// be one the operation lists, its Content-Type one of the response's, and its body valid for
// that schema (with ajv's JSON Schema 2020-12, objects closed: no key the document leaves out).
// Environment: TASKAPI_BIN (the binary, absolute), TASKAPI_TEST_POSTGRES_URL (optional: run on
// that PostgreSQL database instead of SQLite). Exits 0 when every check passes.
import assert from "node:assert/strict";

import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import YAML from "yaml";
import { check, prepare, runMain, startTaskapi } from "./harness.mjs";

// Names of their own, so that a shared PostgreSQL database may already hold other users.
const username = "oas" + process.pid + "x" + Date.now();
const password = "openapi-password-1";

// Every object schema with properties closed (additionalProperties false) unless it says
// otherwise: an answer key the document does not name is a lie by omission.
function closeObjects(node) {
  if (Array.isArray(node)) {
    node.forEach(closeObjects);
  } else if (node && typeof node === "object") {
    if (node.properties && !("additionalProperties" in node)) node.additionalProperties = false;
    Object.values(node).forEach(closeObjects);
  }
}

const escapePointer = (s) => s.replaceAll("~", "~0").replaceAll("/", "~1");

// Checks a real answer against the document: the operation at `template` and `method`, its
// response for the status, the Content-Type among its content, the body valid for its schema,
// and each header the response names present and valid for its schema.
class Conformance {
  constructor(doc) {
    this.doc = doc;
    const closed = structuredClone(doc);
    closeObjects(closed.components.schemas);
    closed.$id = "https://taskapi.test/openapi.json";
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema(closed);
    this.checked = 0;
  }

  check(template, method, status, headers, body) {
    const contentType = headers.get("content-type");
    const operation = this.doc.paths[template]?.[method];
    check(operation, `the document lacks ${method.toUpperCase()} ${template}`);
    let pointer = `/paths/${escapePointer(template)}/${method}/responses/${status}`;
    let response = operation.responses[String(status)];
    check(response, `${method.toUpperCase()} ${template} answered ${status}, which the document does not list`);
    if (response.$ref) {
      pointer = response.$ref.slice(1);
      response = this.doc.components.responses[response.$ref.split("/").pop()];
    }
    for (const [name, declared] of Object.entries(response.headers || {})) {
      const header = declared.$ref ? this.doc.components.headers[declared.$ref.split("/").pop()] : declared;
      const value = headers.get(name);
      check(value !== null, `${method.toUpperCase()} ${template} ${status}: no ${name} header, which the document promises`);
      const validate = this.ajv.compile(header.schema);
      const typed = header.schema.type === "integer" ? Number(value) : value;
      check(validate(typed), `${method.toUpperCase()} ${template} ${status}: ${name}: ${value} does not match ` +
            `${JSON.stringify(header.schema)}`);
    }
    if (!response.content) {
      check(body === "", `${method.toUpperCase()} ${template} ${status}: a body the document does not describe`);
      this.checked += 1;
      return;
    }
    const mediaType = (contentType || "").split(";")[0].trim();
    check(response.content[mediaType],
          `${method.toUpperCase()} ${template} ${status}: Content-Type ${contentType} is not in the document`);
    const ref = `https://taskapi.test/openapi.json#${pointer}/content/${escapePointer(mediaType)}/schema`;
    const validate = this.ajv.getSchema(ref) || this.ajv.compile({ $ref: ref });
    const value = JSON.parse(body);
    check(validate(value), `${method.toUpperCase()} ${template} ${status}: the answer ${body} does not match ` +
          `the document: ${JSON.stringify(validate.errors)}`);
    this.checked += 1;
  }
}

async function fetchSchema(base) {
  const json = await fetch(base + "/api/schema/");
  assert.equal(json.status, 200);
  assert.equal(json.headers.get("content-type"), "application/vnd.oai.openapi+json");
  const doc = await json.json();
  const yaml = await fetch(base + "/api/schema/?format=yaml");
  assert.equal(yaml.status, 200);
  assert.equal(yaml.headers.get("content-type"), "application/vnd.oai.openapi; charset=utf-8");
  const yamlText = await yaml.text();
  assert.deepEqual(YAML.parse(yamlText), doc, "the YAML is not the JSON document");

  for (const [what, input] of [["JSON", doc], ["YAML", yamlText]]) {
    const validator = new Validator();
    const res = await validator.validate(input);
    check(res.valid, `the ${what} document is not valid OpenAPI: ${JSON.stringify(res.errors, null, 1)}`);
    check(validator.version === "3.1", `the ${what} document is OpenAPI ${validator.version}, not 3.1`);
  }
  return doc;
}

// A client that checks every answer against the document as it goes.
function client(base, conformance) {
  return async (method, target, template, { token, json, form, raw, headers = {} } = {}) => {
    const init = { method: method.toUpperCase(), headers: { ...headers } };
    if (token) init.headers.Authorization = "Bearer " + token;
    if (json !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(json);
    } else if (form !== undefined) {
      init.body = new URLSearchParams(form);
    } else if (raw !== undefined) {
      init.body = raw;
    }
    const res = await fetch(base + target, init);
    const body = await res.text();
    conformance.check(template, method, res.status, res.headers, body);
    return { status: res.status, body: body ? JSON.parse(body) : null };
  };
}

async function exercise(base, doc, { paginated, rotation, registration }) {
  const conformance = new Conformance(doc);
  const call = client(base, conformance);

  assert.equal((await call("get", "/api/health/", "/api/health/")).status, 200);
  assert.equal((await call("get", "/api/ready/", "/api/ready/")).status, 200);
  assert.equal((await call("get", "/api/", "/api/")).status, 401);
  assert.equal((await call("get", "/api/tasks/", "/api/tasks/")).status, 401);
  assert.equal((await call("get", "/api/health/", "/api/health/", { token: "not.a.token" })).status, 401);

  let user = username;
  if (registration) {
    user = username + "r";
    const created = await call("post", "/api/auth/register/", "/api/auth/register/",
                               { json: { username: user, password } });
    assert.equal(created.status, 201);
    assert.equal((await call("post", "/api/auth/register/", "/api/auth/register/",
                             { json: { username: user, password } })).status, 400);
  } else {
    check(!doc.paths["/api/auth/register/"], "registration is off, yet the document describes it");
  }

  assert.equal((await call("post", "/api/auth/token/", "/api/auth/token/",
                           { json: { username: user, password: "wrong-password" } })).status, 401);
  assert.equal((await call("post", "/api/auth/token/", "/api/auth/token/", { json: {} })).status, 400);
  const login = await call("post", "/api/auth/token/", "/api/auth/token/", { form: { username: user, password } });
  assert.equal(login.status, 200);
  const { access, refresh } = login.body;

  const refreshed = await call("post", "/api/auth/token/refresh/", "/api/auth/token/refresh/", { json: { refresh } });
  assert.equal(refreshed.status, 200);
  assert.equal("refresh" in refreshed.body, rotation);
  const liveRefresh = rotation ? refreshed.body.refresh : refresh;
  assert.equal((await call("post", "/api/auth/token/refresh/", "/api/auth/token/refresh/",
                           { json: { refresh: "garbage" } })).status, 401);
  assert.equal((await call("post", "/api/auth/token/verify/", "/api/auth/token/verify/",
                           { json: { token: access } })).status, 200);

  assert.equal((await call("get", "/api/me/", "/api/me/", { token: access })).status, 200);
  assert.equal((await call("get", "/api/", "/api/", { token: access })).status, 200);

  const task = "/api/tasks/{id}/";
  const created = await call("post", "/api/tasks/", "/api/tasks/", { token: access, json: { title: "Write the schema" } });
  assert.equal(created.status, 201);
  const id = created.body.id;
  assert.equal((await call("post", "/api/tasks/", "/api/tasks/",
                           { token: access, form: { title: "From a form", completed: "true" } })).status, 201);
  assert.equal((await call("post", "/api/tasks/", "/api/tasks/", { token: access, json: { title: "" } })).status, 400);
  assert.equal((await call("post", "/api/tasks/", "/api/tasks/",
                           { token: access, raw: "{", headers: { "Content-Type": "application/json" } })).status, 400);
  assert.equal((await call("post", "/api/tasks/", "/api/tasks/",
                           { token: access, raw: "title", headers: { "Content-Type": "text/plain" } })).status, 415);

  const list = await call("get", "/api/tasks/?ordering=-id&search=schema", "/api/tasks/", { token: access });
  assert.equal(list.status, 200);
  assert.deepEqual((paginated ? list.body.results : list.body).map((t) => t.id), [id]);
  if (paginated) {
    assert.equal((await call("get", "/api/tasks/?page_size=1", "/api/tasks/", { token: access })).body.count, 2);
    assert.equal((await call("get", "/api/tasks/?page=9", "/api/tasks/", { token: access })).status, 404);
  }

  assert.equal((await call("get", `/api/tasks/${id}/`, task, { token: access })).status, 200);
  assert.equal((await call("put", `/api/tasks/${id}/`, task,
                           { token: access, json: { title: "Renamed", completed: true } })).status, 200);
  assert.equal((await call("patch", `/api/tasks/${id}/`, task,
                           { token: access, json: { description: "" } })).status, 200);
  assert.equal((await call("put", `/api/tasks/${id}/`, task, { token: access, json: {} })).status, 400);
  assert.equal((await call("delete", `/api/tasks/${id}/`, task, { token: access })).status, 204);
  assert.equal((await call("get", `/api/tasks/${id}/`, task, { token: access })).status, 404);

  assert.equal((await call("post", "/api/auth/token/blacklist/", "/api/auth/token/blacklist/",
                           { json: { refresh: liveRefresh } })).status, 200);
  assert.equal((await call("post", "/api/auth/token/refresh/", "/api/auth/token/refresh/",
                           { json: { refresh: liveRefresh } })).status, 401);
  return conformance.checked;
}

async function main() {
  const dir = prepare("taskapi-openapi-", username, password);

  const configurations = [
    { name: "default", env: {}, paginated: false, rotation: false, registration: false },
    {
      name: "paginated, registration, rotation",
      env: { TASKAPI_PAGE_SIZE: "10", TASKAPI_ALLOW_REGISTRATION: "true", TASKAPI_ROTATE_REFRESH_TOKENS: "true" },
      paginated: true, rotation: true, registration: true,
    },
  ];
  for (const configuration of configurations) {
    const server = await startTaskapi(dir, configuration.env);
    const doc = await fetchSchema(server.url);
    const checked = await exercise(server.url, doc, configuration);
    await server.stop();
    console.log(`openapi (${configuration.name}): the document is valid OpenAPI 3.1, ` +
                `and ${checked} real answers match it`);
  }
}

await runMain(main);
