// Checks real answers against the OpenAPI document the server publishes at
// /api/v1/openapi.json, so the document stays the contract it claims to be.
//
//   import { checkResponse } from './openapi.mjs';
//   const r = await admin.get('/api/v1/users/1');
//   await checkResponse(admin, 'GET', '/api/v1/users/1', r);   // throws with every mismatch
//
// The validator knows the subset of JSON Schema the document uses: type, nullable, required,
// properties, additionalProperties, items, enum, format (date-time, date, email, uri),
// maxLength, minimum, maximum, pattern, readOnly, writeOnly (never in an answer), allOf and $ref.
// Besides the body it checks that the operation is documented, that the status is one the
// operation lists (or it has a `default`), and that the Content-Type is the documented one.
import assert from 'node:assert/strict';

const specs = new Map();   // base URL -> document

export async function loadSpec(client, { fresh = false } = {}) {
  if (!fresh && specs.has(client.base)) return specs.get(client.base);
  const r = await fetch(`${client.base}/api/v1/openapi.json`);
  assert.equal(r.status, 200, 'openapi.json must answer 200');
  const spec = await r.json();
  specs.set(client.base, spec);
  return spec;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function resolveRef(spec, ref) {
  if (!ref.startsWith('#/')) throw new Error(`only local $ref are supported: ${ref}`);
  let node = spec;
  for (const part of ref.slice(2).split('/')) {
    node = node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    if (node === undefined) throw new Error(`dangling $ref ${ref}`);
  }
  return node;
}

function typeOf(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (Number.isInteger(v)) return 'integer';
  return typeof v;   // number, string, boolean, object
}

// Returns a list of "path: problem" strings; empty when `value` fits `schema`.
export function validate(spec, schema, value, path = '$', errors = []) {
  if (schema === undefined || schema === true) return errors;
  if (schema.$ref) return validate(spec, resolveRef(spec, schema.$ref), value, path, errors);
  if (value === null) {
    if (!schema.nullable && !(schema.enum || []).includes(null) && schema.type !== undefined)
      errors.push(`${path}: null is not allowed`);
    return errors;
  }
  for (const part of schema.allOf || []) validate(spec, part, value, path, errors);
  const t = typeOf(value);
  if (schema.type) {
    const ok = schema.type === t || (schema.type === 'number' && t === 'integer');
    if (!ok) { errors.push(`${path}: expected ${schema.type}, got ${t} (${JSON.stringify(value)?.slice(0, 80)})`); return errors; }
  }
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (t === 'string') {
    if (schema.format === 'date-time' && !RFC3339.test(value)) errors.push(`${path}: '${value}' is not an RFC 3339 date-time`);
    if (schema.format === 'date' && !DATE.test(value)) errors.push(`${path}: '${value}' is not a date`);
    if (schema.format === 'email' && !/^[^@\s]+@[^@\s]+$/.test(value)) errors.push(`${path}: '${value}' is not an email`);
    if (schema.format === 'uri' && !/^[a-z][a-z0-9+.-]*:/i.test(value)) errors.push(`${path}: '${value}' is not a URI`);
    if (schema.maxLength !== undefined && [...value].length > schema.maxLength) errors.push(`${path}: longer than ${schema.maxLength}`);
    if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value)) errors.push(`${path}: '${value}' does not match ${schema.pattern}`);
  }
  if (t === 'integer' || t === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${path}: below ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) errors.push(`${path}: above ${schema.maximum}`);
  }
  if (t === 'array' && schema.items) value.forEach((v, i) => validate(spec, schema.items, v, `${path}[${i}]`, errors));
  if (t === 'object') {
    for (const k of schema.required || [])
      if (!(k in value)) errors.push(`${path}: missing required '${k}'`);
    const props = schema.properties || {};
    for (const [k, v] of Object.entries(value)) {
      if (props[k]) {
        const p = props[k].$ref ? resolveRef(spec, props[k].$ref) : props[k];
        if (p.writeOnly) errors.push(`${path}.${k}: write-only field in an answer`);
        validate(spec, p, v, `${path}.${k}`, errors);
      } else if (schema.additionalProperties === false) {
        errors.push(`${path}: unexpected '${k}'`);
      } else if (typeof schema.additionalProperties === 'object') {
        validate(spec, schema.additionalProperties, v, `${path}.${k}`, errors);
      }
    }
  }
  return errors;
}

// the documented path template for a concrete path; literal segments beat {placeholders}
export function findPath(spec, path) {
  const segs = path.split('?')[0].split('/').filter(Boolean);
  let best = null, bestLiterals = -1;
  for (const tmpl of Object.keys(spec.paths)) {
    const ts = tmpl.split('/').filter(Boolean);
    if (ts.length !== segs.length) continue;
    let literals = 0, ok = true;
    for (let i = 0; i < ts.length && ok; i++) {
      if (/^\{.+\}$/.test(ts[i])) continue;
      if (ts[i] === decodeURIComponent(segs[i])) literals++; else ok = false;
    }
    if (ok && literals > bestLiterals) { best = tmpl; bestLiterals = literals; }
  }
  return best;
}

// Validates one answer from Client.req ({status, headers, text, json}) against the document.
export async function checkResponse(client, method, path, response) {
  const spec = await loadSpec(client);
  const problems = [];
  const tmpl = findPath(spec, path);
  const head = method.toUpperCase() === 'HEAD';   // answered as GET, without the body
  const op = tmpl && spec.paths[tmpl][head ? 'get' : method.toLowerCase()];
  if (!op) {
    // undocumented routes may only answer the router's own 404/405 problems
    if (response.status !== 404 && response.status !== 405)
      problems.push(`${method} ${path} is not described by the document`);
    else checkProblem(spec, response, problems);
  } else {
    const resp = op.responses[String(response.status)] || op.responses.default;
    if (!resp) problems.push(`status ${response.status} is not documented for ${method} ${tmpl}`);
    else {
      const ct = (response.headers.get('content-type') || '').split(';')[0].trim();
      if (head) {
        if (response.text !== '') problems.push('a HEAD answer with a body');
      } else if (!resp.content) {
        if (response.text !== '') problems.push(`${response.status} is documented without a body, got ${response.text.slice(0, 80)}`);
      } else if (!resp.content[ct]) {
        problems.push(`Content-Type '${ct}' is not documented for ${response.status} (have ${Object.keys(resp.content)})`);
      } else {
        if (response.json === null && response.text !== 'null') problems.push(`the body is not JSON: ${response.text.slice(0, 80)}`);
        else validate(spec, resp.content[ct].schema, response.json, '$', problems);
      }
    }
  }
  if (problems.length)
    assert.fail(`${method} ${path} -> ${response.status} does not match the OpenAPI document:\n  ${problems.join('\n  ')}\nbody: ${response.text.slice(0, 400)}`);
}

function checkProblem(spec, response, problems) {
  const ct = (response.headers.get('content-type') || '').split(';')[0].trim();
  if (ct !== 'application/problem+json') problems.push(`error answer with Content-Type '${ct}'`);
  validate(spec, { $ref: '#/components/schemas/Problem' }, response.json, '$', problems);
}

// A Client whose every answer is checked: wrap(client) returns a proxy with the same
// methods (req/get/post/patch/del) that call checkResponse before returning.
export function checked(client) {
  return new Proxy(client, {
    get(target, prop) {
      if (prop !== 'req') return Reflect.get(target, prop);
      return async (method, path, ...rest) => {
        const r = await target.req(method, path, ...rest);
        await checkResponse(target, method, path, r);
        return r;
      };
    },
  });
}
