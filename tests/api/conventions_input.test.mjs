// Hostile and malformed requests: every one gets an application/problem+json answer with
// the right status and changes nothing. Body limits (declared and chunked), malformed
// JSON, wrong content types, unknown and read-only fields, wrong types, numbers beyond
// int64, invalid UTF-8, deep nesting, 404 versus 405; and a graceful shutdown that lets
// an in-flight request finish.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, adminClient, rawHttp } from './lib.mjs';
import { checked, checkResponse } from './openapi.mjs';

const LIMIT = 4096;
let srv, admin, bearer;

before(async () => {
  srv = await startServer({ env: { KARTOTEKA_MAX_BODY: String(LIMIT) } });
  admin = checked(await adminClient(srv));
  bearer = checked(await (await adminClient(srv)).useToken());
});
after(async () => { await srv.stop(); });

function assertProblem(r, status, code) {
  assert.equal(r.status, status, r.text ?? r.body);
  const ct = typeof r.headers.get === 'function' ? r.headers.get('content-type') : r.headers['content-type'];
  assert.match(ct, /^application\/problem\+json/);
  assert.equal(r.json.status, status);
  if (code) assert.equal(r.json.code, code, r.text ?? r.body);
  assert.ok(r.json.type && r.json.title && r.json.detail && r.json.request_id);
}

const teamCount = async () => (await admin.get('/api/v1/teams?count=true&limit=1')).json.count;

function raw(method, path, { body = '', headers = {} } = {}) {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const h = { host: 'x', authorization: `Bearer ${bearer.bearer}`, 'content-type': 'application/json', connection: 'close', ...headers };
  if (!('transfer-encoding' in h)) h['content-length'] ??= String(b.length);
  const head = `${method} ${path} HTTP/1.1\r\n${Object.entries(h).filter(([, v]) => v !== null).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`;
  return rawHttp(srv.port, [Buffer.concat([Buffer.from(head), b])]);
}

function chunked(parts) {
  return Buffer.concat([...parts.map((p) => Buffer.concat([Buffer.from(`${Buffer.byteLength(p).toString(16)}\r\n`), Buffer.from(p), Buffer.from('\r\n')])), Buffer.from('0\r\n\r\n')]);
}

test('bodies over the limit are 413, declared or chunked, and nothing is created', async () => {
  const n0 = await teamCount();
  const big = JSON.stringify({ name: 'x'.repeat(LIMIT) });
  const r1 = await admin.post('/api/v1/teams', big);
  assertProblem(r1, 413, 'body_too_large');
  assert.match(r1.json.detail, new RegExp(String(LIMIT)));
  // chunked: no Content-Length, the body grows past the limit piece by piece
  const parts = Array.from({ length: 10 }, (_, i) => (i === 0 ? '{"name":"' : '') + 'y'.repeat(500) + (i === 9 ? '"}' : ''));
  const r2 = await raw('POST', '/api/v1/teams', { body: chunked(parts), headers: { 'transfer-encoding': 'chunked' } });
  assertProblem(r2, 413, 'body_too_large');
  // a Content-Length beyond anything: refused once the body is in (or the client gives up)
  const r3 = await rawHttp(srv.port, [
    `POST /api/v1/teams HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${bearer.bearer}\r\ncontent-type: application/json\r\ncontent-length: 99999999999999\r\nconnection: close\r\n\r\n{"name":"`,
  ], { timeoutMs: 300 });
  assert.ok(r3.error === 'timeout' || r3.status === 413, JSON.stringify(r3).slice(0, 200));
  // just under the limit is fine, chunked too
  const ok = await admin.post('/api/v1/teams', { name: 'z'.repeat(150) });
  assert.equal(ok.status, 201, ok.text);
  const okc = await raw('POST', '/api/v1/teams', { body: chunked(['{"name":', '"chunked team"}']), headers: { 'transfer-encoding': 'chunked' } });
  assert.equal(okc.status, 201, okc.body);
  assert.equal(await teamCount(), n0 + 2);
  // the limit is on bytes, not characters: 2100 two-byte letters are over 4096 bytes
  assertProblem(await admin.post('/api/v1/teams', { name: 'ж'.repeat(2100) }), 413, 'body_too_large');
});

test('malformed JSON is 400 malformed_json with where it broke', async () => {
  const n0 = await teamCount();
  for (const body of ['{', '{"name":}', '{"name":"a",}', '[1,]', '{} x', "{'name':'a'}", '{"name":"a"', 'nul', 'null', '"string"', '1', '\ufeff{"name":"bom"}', '{"name":"a","name":"b"}', '{"name":"\\x41"}', '{"name":"\\ud800"}', '{"name":"tab\there"}']) {
    const r = await admin.post('/api/v1/teams', body);
    assertProblem(r, 400, 'malformed_json');
    await checkResponse(admin, 'POST', '/api/v1/teams', r);
  }
  assert.equal(await teamCount(), n0);
});

test('a body that is JSON but not an object is 422; an empty one is 400', async () => {
  for (const body of ['[]', '[{"name":"a"}]']) {
    const r = await admin.post('/api/v1/teams', body);
    assertProblem(r, 422, 'validation_failed');
    assert.equal(r.json.errors[0].code, 'invalid_body');
  }
  assertProblem(await admin.req('POST', '/api/v1/teams', ''), 400, 'missing_body');
  assertProblem(await admin.req('PATCH', '/api/v1/teams/1', ''), 400, 'missing_body');
});

test('wrong content types are 415; JSON types with parameters are fine', async () => {
  const n0 = await teamCount();
  for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', 'json', 'application/xml', '']) {
    const r = await admin.post('/api/v1/teams', '{"name":"ct"}', { 'content-type': ct });
    assertProblem(r, 415, 'unsupported_media_type');
  }
  const none = await raw('POST', '/api/v1/teams', { body: '{"name":"no type"}', headers: { 'content-type': null } });
  assertProblem({ ...none, headers: new Map(Object.entries(none.headers)) }, 415, 'unsupported_media_type');
  assert.equal(await teamCount(), n0);
  for (const [i, ct] of ['application/json; charset=utf-8', 'APPLICATION/JSON', ' application/json'].entries()) {
    const r = await admin.post('/api/v1/teams', { name: `ct ok ${i}` }, { 'content-type': ct });
    assert.equal(r.status, 201, `${ct}: ${r.text}`);
  }
  const t = await admin.post('/api/v1/teams', { name: 'merge patch' });
  const p = await admin.patch(`/api/v1/teams/${t.json.id}`, { name: 'merged' }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(p.status, 200, p.text);
});

test('unknown, read-only and mistyped fields are 422 with one error per field', async () => {
  const n0 = await teamCount();
  const r = await admin.post('/api/v1/teams', { name: 'fine', colour: 'red', id: 5, version: 3, created_at: '2020-01-01T00:00:00Z' });
  assertProblem(r, 422, 'validation_failed');
  assert.deepEqual(r.json.errors.map((e) => [e.field, e.code]).sort(), [['colour', 'unknown_field'], ['created_at', 'read_only'], ['id', 'read_only'], ['version', 'read_only']]);
  const types = await admin.post('/api/v1/custom-fields', { object: 'contact', name: 5, type: ['text'], required: 'yes', position: '1', label: { a: 1 } });
  assertProblem(types, 422);
  assert.deepEqual(types.json.errors.map((e) => [e.field, e.code]).sort(),
    [['label', 'invalid_type'], ['name', 'invalid_type'], ['position', 'invalid_type'], ['required', 'invalid_type'], ['type', 'invalid_type']]);
  const real = await admin.post('/api/v1/custom-fields', { object: 'contact', name: 'r', type: 'text', position: 1.5 });
  assert.deepEqual(real.json.errors.map((e) => [e.field, e.code]), [['position', 'invalid_type']]);
  const missing = await admin.post('/api/v1/users', {});
  assert.deepEqual(missing.json.errors.map((e) => [e.field, e.code]).sort(), [['email', 'required'], ['name', 'required'], ['role', 'required']]);
  const enums = await admin.post('/api/v1/custom-fields', { object: 'spaceship', name: 'x', type: 'text' });
  assert.deepEqual(enums.json.errors.map((e) => [e.field, e.code]), [['object', 'invalid_choice']]);
  const long = await admin.post('/api/v1/teams', { name: 'n'.repeat(201) });
  assert.deepEqual(long.json.errors.map((e) => [e.field, e.code]), [['name', 'too_long']]);
  const nul = await admin.post('/api/v1/teams', '{"name":"a\\u0000b"}');
  assert.deepEqual(nul.json.errors.map((e) => [e.field, e.code]), [['name', 'invalid_text']]);
  // null for a field that has a value by default is refused, not a database error (regression: 409)
  const cf = await admin.post('/api/v1/custom-fields', { object: 'contact', name: 'nullable_probe', type: 'text' });
  for (const f of ['position', 'required']) {
    const r = await admin.patch(`/api/v1/custom-fields/${cf.json.id}`, { [f]: null });
    assertProblem(r, 422, 'validation_failed');
    assert.deepEqual(r.json.errors.map((e) => [e.field, e.code]), [[f, 'required']]);
  }
  const dis = await admin.patch('/api/v1/users/1', { disabled: null });
  assert.deepEqual(dis.json.errors.map((e) => [e.field, e.code]), [['disabled', 'required']]);
  assert.equal((await admin.get(`/api/v1/custom-fields/${cf.json.id}`)).json.version, 1);
  const email = await admin.post('/api/v1/users', { email: 'not an email', name: 'x', role: 'manager', password: 'long-enough-1' });
  assert.deepEqual(email.json.errors.map((e) => [e.field, e.code]), [['email', 'invalid_email']]);
  assert.equal(await teamCount(), n0);
});

test('numbers beyond int64 are 400 and leave the record as it was', async () => {
  const made = await admin.post('/api/v1/custom-fields', { object: 'deal', name: 'numbers', type: 'text', position: 5 });
  const url = `/api/v1/custom-fields/${made.json.id}`;
  for (const n of ['9223372036854775808', '-9223372036854775809', '99999999999999999999999', '1e400', '-1e400']) {
    const r = await admin.patch(url, `{"position":${n},"label":"changed"}`);
    assertProblem(r, 400, 'malformed_json');
  }
  for (const n of ['9223372036854775807', '-9223372036854775808', '100001']) {
    const r = await admin.patch(url, `{"position":${n},"label":"changed"}`);
    assertProblem(r, 422, 'validation_failed');
    assert.deepEqual(r.json.errors.map((e) => [e.field, e.code]), [['position', 'out_of_range']]);
  }
  const bigRef = await admin.patch('/api/v1/users/1', '{"team_ids":[99999999999999999999]}');
  assertProblem(bigRef, 400, 'malformed_json');
  const nowRec = await admin.get(url);
  assert.deepEqual(nowRec.json, made.json, 'nothing changed');
  // and ids in the path beyond int64 are simply not found
  assertProblem(await admin.get('/api/v1/custom-fields/99999999999999999999999'), 404, 'not_found');
  assertProblem(await admin.get('/api/v1/custom-fields/-1'), 404, 'not_found');
  assertProblem(await admin.get('/api/v1/custom-fields/0'), 404, 'not_found');
  assertProblem(await admin.get('/api/v1/custom-fields/1e3'), 404, 'not_found');
});

test('invalid UTF-8 in a body is 400 and creates nothing', async () => {
  const n0 = await teamCount();
  const bad = [
    Buffer.from([0xff]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xe2, 0x82]),
    Buffer.from([0xf4, 0x90, 0x80, 0x80]), Buffer.from([0x80]), Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]),
  ];
  for (const b of bad) {
    const body = Buffer.concat([Buffer.from('{"name":"ok'), b, Buffer.from('"}')]);
    const r = await admin.post('/api/v1/teams', body);
    assertProblem(r, 400, 'malformed_json');
    JSON.parse(r.text);   // the answer itself is valid JSON (the bytes are not echoed raw)
    const key = Buffer.concat([Buffer.from('{"na'), b, Buffer.from('me":"x"}')]);
    assertProblem(await admin.post('/api/v1/teams', key), 400, 'malformed_json');
  }
  // Latin-1 sent as if it were UTF-8
  assertProblem(await admin.post('/api/v1/teams', Buffer.from('{"name":"Gr\xfc\xdfe"}', 'latin1')), 400, 'malformed_json');
  assert.equal(await teamCount(), n0);
  // valid multi-byte text is kept exactly
  const ok = await admin.post('/api/v1/teams', { name: 'Łódź 😀 жена' });
  assert.equal(ok.json.name, 'Łódź 😀 жена');
  // invalid UTF-8 in the path or query is answered as JSON as well
  const p = await raw('GET', '/api/v1/%FF%FE');
  assert.equal(p.status, 404);
  assert.ok(p.json, p.body);
  const s = await raw('GET', '/api/v1/teams?sort=%FF');
  assert.equal(s.status, 422);
  assert.ok(s.json, s.body);
});

test('deep nesting is refused without harm', async () => {
  const deep = '['.repeat(100000) + ']'.repeat(100000);
  assertProblem(await admin.post('/api/v1/teams', deep), 413);   // over the 4 KiB limit
  const d2 = '{"name":' + '['.repeat(1500) + ']'.repeat(1500) + '}';
  assertProblem(await admin.post('/api/v1/teams', d2), 422, 'validation_failed');
  const d3 = '{"object":"deal","name":"deep","type":"enum","options":' + '['.repeat(1800) + ']'.repeat(1800) + '}';
  const r = await admin.post('/api/v1/custom-fields', d3);
  assertProblem(r, 422, 'validation_failed');
  const d4 = '{"name":"deep-role","scopes":' + '{"users":'.repeat(300) + '"all"' + '}'.repeat(300) + '}';
  assertProblem(await admin.post('/api/v1/roles', d4), 422, 'validation_failed');
  assert.equal((await admin.get('/api/v1/health')).status, 200);
});

test('404 for unknown paths, 405 for known paths with another method', async () => {
  const cases = [
    ['GET', '/api/v1/nothing', 404], ['GET', '/api/v1/users/1/nothing', 404], ['GET', '/api/v2/users', 404],
    ['GET', '/', 404], ['GET', '/api/v1/' + 'a/'.repeat(20), 404], ['GET', '/api/v1/users/abc', 404],
    ['DELETE', '/api/v1/users', 405], ['POST', '/api/v1/users/1', 405], ['PUT', '/api/v1/health', 405],
    ['PATCH', '/api/v1/audit/1', 405], ['POST', '/api/v1/audit', 405], ['DELETE', '/api/v1/auth/tokens', 405],
    ['GET', '/api/v1/auth/login', 405],
  ];
  for (const [m, p, st] of cases) {
    const r = await admin.req(m, p, m === 'GET' || m === 'DELETE' ? undefined : {});
    assertProblem(r, st, st === 404 ? 'not_found' : 'method_not_allowed');
  }
  const odd = await raw('BREW', '/api/v1/users');
  assert.ok(odd.status === 405 || odd.status === 501 || odd.status === 400, JSON.stringify(odd).slice(0, 200));
  // HEAD is GET without a body (health checks use it)
  const head = await fetch(`${srv.url}/api/v1/health`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
  assert.equal((await admin.req('HEAD', '/api/v1/users/1')).status, 200);
  // double slashes and a trailing slash lead to the same resource
  assert.equal((await admin.get('/api/v1//users/')).status, 200);
});

test('every answer carries a request id, which the access log shows', async () => {
  const r = await admin.get('/api/v1/users/999999');
  const id = r.headers.get('x-request-id');
  assert.match(id, /^[0-9a-f]+-[0-9a-f]+$/);
  assert.equal(r.json.request_id, id);
  const ok = await admin.get('/api/v1/users/1');
  assert.notEqual(ok.headers.get('x-request-id'), id);
  assert.match(srv.stderr, new RegExp(`rid=${id} access method=GET path=/api/v1/users/999999 status=404`));
  assert.equal(ok.headers.get('cache-control'), 'no-store');
  // a path cannot forge log lines: control characters are escaped (regression)
  const forged = await raw('GET', '/api/v1/x%0Ats=2000-01-01T00:00:00Z%20level=error%20forged%1B[31m');
  assert.equal(forged.status, 404);
  await new Promise((res) => setTimeout(res, 50));
  assert.doesNotMatch(srv.stderr, /^ts=2000-01-01/m);
  assert.match(srv.stderr, /path=\/api\/v1\/x\\x0ats=2000-01-01T00:00:00Z level=error forged\\x1b\[31m status=404/);
  assert.equal(ok.headers.get('x-content-type-options'), 'nosniff');
});

test('SIGTERM lets an in-flight request finish, refuses new ones, and exits 0', async () => {
  const s2 = await startServer();
  const a2 = await adminClient(s2);
  await a2.useToken();
  const body = JSON.stringify({ name: 'finished during shutdown' });
  const head = `POST /api/v1/teams HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${a2.bearer}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`;
  let refused = null;
  const r = await rawHttp(s2.port, [head + body.slice(0, 10), body.slice(10)], {
    gapMs: 100,   // the request is under way when the signal comes
    onGap: async () => {
      s2.proc.kill('SIGTERM');
      await new Promise((res) => setTimeout(res, 400));
      refused = await rawHttp(s2.port, ['GET /api/v1/health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n'], { timeoutMs: 2000 });
    },
  });
  assert.equal(r.status, 201, JSON.stringify(r).slice(0, 300));
  assert.equal(r.json.name, 'finished during shutdown');
  assert.equal(refused.error, 'ECONNREFUSED', `no new connections once shutting down: ${JSON.stringify(refused).slice(0, 200)}`);
  const st = await s2.exited;
  assert.deepEqual(st, { code: 0, signal: null }, s2.stderr.slice(-2000));
  assert.match(s2.stderr, /shutdown: done/);
  assert.doesNotMatch(s2.stderr, /AddressSanitizer|LeakSanitizer|runtime error/);
  // the write was committed: it is there after a restart
  await s2.launch();
  const list = await (await adminClient(s2)).get('/api/v1/teams?name=' + encodeURIComponent('finished during shutdown'));
  assert.equal(list.json.data.length, 1);
  await s2.stop();
});
